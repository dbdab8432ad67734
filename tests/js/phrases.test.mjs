// The engine's sentences in the page's language, from {id, args}; English where the
// catalogue lacks one, or a phrase inside one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { say, usePhrases } from "../../static/js/phrases.js";

test("a sentence from its id, nested phrases and lists too; else the English", () => {
  const m = { id: "explain.a", args: { chain: "FORWARD", why: { id: "rule.b", args: { n: 2 } }, ports: ["a", "b"] } };
  usePhrases({});
  assert.equal(say(m, "English."), "English.");
  usePhrases({ "explain.a": "{chain}：{why}（{ports}）", "rule.b": "第{n}条" }, { sep: "、", join: "" });
  assert.equal(say(m, "English."), "FORWARD：第2条（a、b）");
  assert.equal(say([m, m], "English."), "FORWARD：第2条（a、b）FORWARD：第2条（a、b）");
  usePhrases({ "explain.a": "{chain}：{why}" });
  assert.equal(say(m, "English."), "English.");         // rule.b missing: the whole sentence stays English
  assert.equal(say(null, "English."), "English.");
});
