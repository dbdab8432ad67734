// The interface's strings in zh-hant: the keys of EN in strings.js, translated (placeholders
// {name} kept; tool, chain, table and target names as the tools print them).
export const CATALOGUE = {
};
