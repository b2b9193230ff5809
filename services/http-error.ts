/** What services refuse with: the HTTP status and body the API answers (api/http-errors.ts maps it). */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly details?: { field: string; message: string }[]) {
    super(message);
  }
}
