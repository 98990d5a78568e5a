/**
 * A Directory that fails every operation with one error. The DSML route runs a
 * batch against it when the caller's credentials were wrong, so each operation
 * answers authenticationFailed in the batch's own form and order.
 */
import type { Directory, ExtendedResult, OperationResult, SearchEvent } from '../directory/model.js';
import type { DirgateError } from '../errors.js';

export class FailingDirectory implements Directory {
  constructor(private readonly error: DirgateError) {}
  // eslint-disable-next-line require-yield
  async *search(): AsyncIterable<SearchEvent> { throw this.error; }
  async add(): Promise<OperationResult> { throw this.error; }
  async modify(): Promise<OperationResult> { throw this.error; }
  async delete(): Promise<OperationResult> { throw this.error; }
  async modifyDN(): Promise<OperationResult> { throw this.error; }
  async compare(): Promise<OperationResult> { throw this.error; }
  async extended(): Promise<ExtendedResult> { throw this.error; }
  async bind(): Promise<string> { throw this.error; }
}
