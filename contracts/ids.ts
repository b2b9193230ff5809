// Deterministic workflow ids: one workflow per business entity (ARCHITECTURE.md).

/** A FreshBooks → warehouse connection's workflow. */
export const connectionWorkflowId = (connectionId: string): string => `connection/${connectionId}`;
/** A BigCommerce store connection's workflow: an id of its own, so no start meant for one type reaches the other. */
export const storeWorkflowId = (connectionId: string): string => `store/${connectionId}`;
export const credentialWorkflowId = (credentialId: string): string => `credential/${credentialId}`;
/** One workflow per store order: the deterministic id is what keeps a re-read order from invoicing twice. */
export const orderWorkflowId = (storeHash: string, orderId: number): string => `order/${storeHash}/${orderId}`;
