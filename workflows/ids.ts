/** Deterministic workflow ids: one workflow per business entity (ARCHITECTURE.md). */
export const connectionWorkflowId = (connectionId: string): string => `connection/${connectionId}`;
export const credentialWorkflowId = (credentialId: string): string => `credential/${credentialId}`;
/** One workflow per store order: the deterministic id is what keeps a re-read order from invoicing twice. */
export const orderWorkflowId = (storeHash: string, orderId: number): string => `order/${storeHash}/${orderId}`;
