export {
  CHARACTER_SET_TERMS,
  type CharacterSetTerm,
  decodeText,
  normalizeCharacterSetTerm,
  unknownCharacterSetTerms,
} from './character-set.js';
export { encodeText } from './character-set-encoder.js';
export {
  type DataSetHeader,
  DataSetHeaderReader,
  type DataSetHeaderReaderOptions,
  HEADER_KEYWORDS,
  MAX_HEADER_INFLATED_BYTES,
  readDataSetHeader,
} from './data-set-header.js';
export {
  type DicomJson,
  type DicomJsonAttribute,
  fromDicomJson,
  type PersonNameJson,
  toDicomJson,
} from './dicom-json.js';
export {
  type DictionaryEntry,
  keywordForTag,
  loadDictionary,
  lookupElement,
  tagForKeyword,
  vrForTag,
} from './dictionary.js';
export {
  type DataSetEncoding,
  type ElementEvent,
  ElementEventKind,
  type ElementHeader,
  ElementReader,
  type ElementReaderOptions,
  implicitVr,
  UNDEFINED_LENGTH,
} from './element-reader.js';
export { decodeElementValue, type ElementValue } from './element-value.js';
export {
  CharacterSetError,
  DicomEncodeError,
  DicomError,
  DicomParseError,
  IncompleteInputError,
  InflateLimitError,
  UnsupportedTransferSyntaxError,
} from './errors.js';
export {
  buildFileMetaHeader,
  buildPart10,
  type FileMetaHeaderOptions,
  type FileMetaInformation,
  PART10_PREFIX_LENGTH,
  type Part10Split,
  parsePart10,
} from './file-meta.js';
export {
  decodeIdentifier,
  type EncodeIdentifierOptions,
  encodeIdentifier,
  type Identifier,
  type IdentifierValue,
  MAX_IDENTIFIER_INFLATED_BYTES,
} from './identifier.js';
export { INFLATE_CHUNK_SIZE, inflateDataSet } from './inflate.js';
export {
  isStorageSopClass,
  type NamedSopClassUid,
  QUERY_RETRIEVE_SOP_CLASSES,
  SopClass,
  type SopClassKeyword,
  STORAGE_SOP_CLASS_UIDS,
  STORAGE_SOP_CLASSES,
  type StorageSopClassUid,
  sopClassName,
} from './sop-class.js';
export { StreamingInflater, type StreamingInflaterOptions } from './streaming-inflater.js';
export {
  formatTag,
  isPrivateTag,
  parseTag,
  type Tag,
  Tags,
  tag,
  tagElement,
  tagGroup,
  tagToHex,
} from './tag.js';
export { canTranscode, transcodeDataSet, transcodeDataSetSync } from './transcode.js';
export {
  isKnownTransferSyntax,
  type KnownTransferSyntaxUid,
  TRANSFER_SYNTAXES,
  type TransferSyntaxInfo,
  type TransferSyntaxKeyword,
  TransferSyntaxUid,
  transferSyntax,
  UNCOMPRESSED_TRANSFER_SYNTAXES,
} from './transfer-syntax.js';
export {
  generateUid,
  isValidUid,
  stripUidPadding,
  UID_MAX_LENGTH,
  type UidProblem,
  UidProblemReason,
  UUID_UID_ROOT,
  validateUid,
} from './uid.js';
export { hasLongLength, isStringVr, isVr, usesCharacterSet, Vr } from './vr.js';
