/**
 * Stands in for codemirror-json-schema's JSON5 and YAML parsers in the explorer's bundle
 * (scripts/build-web.mjs): the editor is in JSON mode only, so these are never called.
 */
const notHere = (): never => {
  throw new Error("the explorer's editor reads JSON only");
};
export const parseJSON5DocumentState = notHere;
export const parseJSON5Document = notHere;
export const parseYAMLDocumentState = notHere;
