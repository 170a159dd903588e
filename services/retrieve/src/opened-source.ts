/**
 * A data set source whose first chunk has been read: opening a blob that vanished (or cannot be read)
 * fails here, before anything of the sub-operation is sent, so that sub-operation alone fails. A failure
 * after the first chunk still ends the stream with its error.
 */
export interface OpenedSource {
  /** Every chunk, the one already read first. */
  readonly chunks: AsyncIterable<Buffer>;
}

export async function openSource(source: AsyncIterable<Buffer>): Promise<OpenedSource> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  async function* chunks(): AsyncGenerator<Buffer> {
    if (first.done) return;
    yield first.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { chunks: chunks() };
}
