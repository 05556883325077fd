export type { Deserializer, Serializer } from './types.js';
export { serialize, deserialize } from './default-codec.js';
export { serializeWith, deserializeWith } from './serialize-with.js';
export {
  registerCodec,
  getCodec,
  codecName,
  DEFAULT_CODEC_NAME,
  type Codec,
} from './codecs.js';
export { FormatId } from './format.js';
export {
  registerFactoryType,
  isFactoryTypeRegistered,
  factoryFromReference,
  fromReference,
  proxiesToReferences,
  reviveProxies,
  type FactoryFromReference,
} from './references.js';
export { postMessageWithProxies, type MessageTarget } from './post-message.js';
