/** Base of this package's errors. */
export class DicomError extends Error {
  override name = 'DicomError';
}

/** A data set or file could not be parsed; `offset` is the byte offset into the input where it failed. */
export class DicomParseError extends DicomError {
  override name = 'DicomParseError';
  readonly offset: number;
  constructor(message: string, offset: number, options?: ErrorOptions) {
    super(`${message} (at offset ${offset})`, options);
    this.offset = offset;
  }
}

/** The transfer syntax UID is not one this package can read or write. */
export class UnsupportedTransferSyntaxError extends DicomError {
  override name = 'UnsupportedTransferSyntaxError';
  readonly transferSyntaxUid: string;
  constructor(transferSyntaxUid: string, what: string, options?: ErrorOptions) {
    super(`transfer syntax ${JSON.stringify(transferSyntaxUid)} is not supported for ${what}`, options);
    this.transferSyntaxUid = transferSyntaxUid;
  }
}

/** A Specific Character Set term is not known or a value cannot be encoded in the requested one. */
export class CharacterSetError extends DicomError {
  override name = 'CharacterSetError';
  readonly characterSet: string;
  constructor(message: string, characterSet: string, options?: ErrorOptions) {
    super(`${message} (character set ${JSON.stringify(characterSet)})`, options);
    this.characterSet = characterSet;
  }
}

/** A value given to an encoder cannot be written (unknown keyword, wrong type for its VR...). */
export class DicomEncodeError extends DicomError {
  override name = 'DicomEncodeError';
  readonly keyword: string;
  constructor(message: string, keyword: string, options?: ErrorOptions) {
    super(`${keyword}: ${message}`, options);
    this.keyword = keyword;
  }
}

/** The input ended before the structure being parsed did: feed more bytes and try again. */
export class IncompleteInputError extends DicomParseError {
  override name = 'IncompleteInputError';
  /** Number of bytes the parser needs at least (if known). */
  readonly needed: number | undefined;
  constructor(message: string, offset: number, needed?: number) {
    super(message, offset);
    this.needed = needed;
  }
}

/**
 * A deflated data set inflates to more than its reader allows (a deflate bomb, or more than the use needs):
 * inflating stopped there. `offset` is the inflated byte count where it stopped.
 */
export class InflateLimitError extends DicomParseError {
  override name = 'InflateLimitError';
  /** The cap on inflated bytes that was passed. */
  readonly limit: number;
  constructor(limit: number, offset: number) {
    super(`deflated data set inflates to more than ${limit} bytes`, offset);
    this.limit = limit;
  }
}
