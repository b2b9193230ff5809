import { DefaultFailureConverter } from '@temporalio/common';

/** Loaded by path (it must also run inside the workflow sandbox). Failure messages and stack traces can
 * quote HTTP bodies, so they are moved into an encoded payload and encrypted like everything else. */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
