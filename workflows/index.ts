export { connectionWorkflow } from './connection';
export { credentialWorkflow } from './credential';
