// Every language's catalogue has every key of the English one, with the same placeholders
// (strings.<lang>.js; English stands in for a missing key at run time, but a missing key
// is a bug of the translation, and this test names it).
import { test } from "node:test";
import assert from "node:assert/strict";
import { CATALOGUES, EN, missingKeys } from "../../static/js/strings.js";

const placeholders = (s) => [...String(s).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(",");

function leaves(obj, at = "") {
  return Object.entries(obj).flatMap(([k, v]) => (typeof v === "object" && v !== null
    ? leaves(v, at ? `${at}.${k}` : k) : [[at ? `${at}.${k}` : k, v]]));
}

for (const lang of Object.keys(CATALOGUES).filter((l) => l !== "en")) {
  test(`${lang}: every key of the English catalogue, the same placeholders, no extra key`, () => {
    const cat = CATALOGUES[lang];
    assert.deepEqual(missingKeys(cat, EN), [], `${lang} lacks these keys`);
    const en = new Map(leaves(EN));
    for (const [key, value] of leaves(cat)) {
      assert.ok(en.has(key), `${lang} has a key English does not: ${key}`);
      assert.equal(placeholders(value), placeholders(en.get(key)), `${lang} ${key}: placeholders`);
      assert.ok(String(value).trim() || !String(en.get(key)).trim(), `${lang} ${key} is empty`);
    }
  });
}
