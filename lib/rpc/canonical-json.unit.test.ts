/** Canonical JSON is RFC 8785's: its own example, keys in code-unit order, dates as toJSON writes them. */
import { expect, test } from "bun:test";
import { canonicalJson } from "./canonical-json.ts";

test("the example of RFC 8785 §3.2.2 comes out as the RFC writes it", () => {
  const input = JSON.parse(
    '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}',
  );
  expect(canonicalJson(input)).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
});

test("members sort by UTF-16 code units at every level, integer-like names too; undefined is left out; a Date is its ISO text", () => {
  expect(canonicalJson({ b: 1, a: { "10": true, "9": false, Z: 0 }, c: undefined, d: [undefined, new Date(0)] })).toBe('{"a":{"10":true,"9":false,"Z":0},"b":1,"d":[null,"1970-01-01T00:00:00.000Z"]}');
  expect(canonicalJson({ "\u20ac": 1, "\ud83d\ude00": 2, "\ufb33": 3 })).toBe('{"\u20ac":1,"\ud83d\ude00":2,"\ufb33":3}');
});
