/** The slice of dcmjs (which ships no types) that this package uses. */
declare module 'dcmjs' {
  interface DictionaryEntry {
    tag: string;
    vr: string;
    vm: string;
    name: string;
    version: string;
  }
  interface DicomJsonElement {
    vr: string;
    Value?: unknown[];
    InlineBinary?: string;
  }
  interface DicomDictInstance {
    meta: Record<string, DicomJsonElement>;
    dict: Record<string, DicomJsonElement>;
    write(options?: Record<string, unknown>): ArrayBuffer;
  }
  const dcmjs: {
    data: {
      DicomMetaDictionary: {
        nameMap: Record<string, DictionaryEntry>;
        naturalizeDataset(dataset: Record<string, DicomJsonElement>): Record<string, unknown>;
        denaturalizeDataset(dataset: Record<string, unknown>): Record<string, DicomJsonElement>;
      };
      DicomMessage: {
        readFile(buffer: ArrayBuffer, options?: Record<string, unknown>): DicomDictInstance;
      };
      DicomDict: new (meta: Record<string, DicomJsonElement>) => DicomDictInstance;
    };
    log: { setLevel(level: string): void };
  };
  export default dcmjs;
}
