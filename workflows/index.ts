export { connectionWorkflow } from './connection';
export { credentialWorkflow } from './credential';
export { orderWorkflow } from './order';
export { storeWorkflow } from './store';
