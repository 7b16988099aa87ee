// `for await (const chunk of readableStream)`: pdf.js's `getTextContent()`
// reads its text stream that way, and WebKitGTK (2.50, the engine of the
// desktop app on Linux) has no async iterator on ReadableStream, so every
// call failed with "undefined is not a function" (find in a PDF read each
// page's text through it). This adds the iterator the Streams standard
// defines (`values({ preventCancel })`), on top of `getReader()`, only
// where the engine lacks it. Written here rather than pulled in with a
// streams polyfill package, which would replace the engine's whole
// ReadableStream (that pdf.js's worker messages already use) for one method.

type StreamPrototype = ReadableStream<unknown> & { values?: unknown; [Symbol.asyncIterator]?: unknown };

function readerIterator<T>(
  stream: ReadableStream<T>,
  { preventCancel = false }: { preventCancel?: boolean } = {},
): AsyncIterableIterator<T> {
  const reader = stream.getReader();
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      try {
        const { done, value } = await reader.read();
        if (done) reader.releaseLock();
        return done ? { done: true, value: undefined } : { done: false, value: value as T };
      } catch (e) {
        reader.releaseLock();
        throw e;
      }
    },
    // Called when the loop ends early (break, return, an exception).
    async return(value?: unknown) {
      if (!preventCancel) await reader.cancel(value);
      reader.releaseLock();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/** Installs the iterator on ReadableStream where the engine has none. */
export function installStreamIteration(): void {
  const proto = ReadableStream.prototype as StreamPrototype;
  if (typeof proto[Symbol.asyncIterator] === "function") return;
  const values = function (this: ReadableStream<unknown>, options?: { preventCancel?: boolean }) {
    return readerIterator(this, options);
  };
  Object.defineProperty(proto, "values", { value: values, writable: true, configurable: true });
  Object.defineProperty(proto, Symbol.asyncIterator, { value: values, writable: true, configurable: true });
}
