// Entity tags and their comparisons (api/orders/orders.etag.ts, RFC 9110 §8.8.3 and §13.1).
import { deepEqual, equal } from "node:assert/strict";
import {
  etagOf,
  ifMatchPasses,
  ifNoneMatchHits,
  parseEntityTags,
} from "../../api/orders/orders.etag.ts";

Deno.test("parseEntityTags reads lists of strong and weak tags, `*`, and refuses the malformed", () => {
  deepEqual(parseEntityTags('"3"'), [{ weak: false, opaque: "3" }]);
  deepEqual(parseEntityTags(' W/"2" , "3",,"a,b"'), [
    { weak: true, opaque: "2" },
    { weak: false, opaque: "3" },
    { weak: false, opaque: "a,b" },
  ]);
  equal(parseEntityTags(" * "), "*");
  for (const bad of ["3", '"3', 'w/"3"', '"3" "4"', '"a"b"', "", " , ", '*, "3"', '"\x7F"']) {
    equal(parseEntityTags(bad), null, JSON.stringify(bad));
  }
});

Deno.test("If-Match: strong comparison; `*` matches; weak and malformed never do", () => {
  const tag = etagOf(3);
  equal(tag, '"3"');
  equal(ifMatchPasses('"3"', tag), true);
  equal(ifMatchPasses('"1", "3"', tag), true);
  equal(ifMatchPasses("*", tag), true);
  equal(ifMatchPasses('W/"3"', tag), false);
  equal(ifMatchPasses('"2"', tag), false);
  equal(ifMatchPasses("3", tag), false);
  equal(ifMatchPasses('"33"', tag), false);
});

Deno.test("If-None-Match: weak comparison; `*` hits; malformed or absent never does", () => {
  const tag = etagOf(7);
  equal(ifNoneMatchHits('"7"', tag), true);
  equal(ifNoneMatchHits('W/"7"', tag), true);
  equal(ifNoneMatchHits('"1", W/"7"', tag), true);
  equal(ifNoneMatchHits("*", tag), true);
  equal(ifNoneMatchHits('"8"', tag), false);
  equal(ifNoneMatchHits("7", tag), false);
  equal(ifNoneMatchHits(undefined, tag), false);
});
