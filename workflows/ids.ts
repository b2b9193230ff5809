/** Deterministic workflow ids: one workflow per business entity (ARCHITECTURE.md). */
export const connectionWorkflowId = (connectionId: string): string => `connection/${connectionId}`;
export const credentialWorkflowId = (credentialId: string): string => `credential/${credentialId}`;
