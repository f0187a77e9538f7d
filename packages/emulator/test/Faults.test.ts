import { assert, describe, it } from "@effect/vitest"
import * as Faults from "../src/Faults.js"

describe("Faults: the regex path check", () => {
  it("a repeated group holding a quantifier is refused, whatever spells it", () => {
    for (
      const pattern of [
        "(a+)+",
        "(a*)*",
        "(a+)*?",
        "(a+){2}",
        "(a+){2,}",
        "(a?){30}",
        "(?:a+)+",
        "(?<name>a+)+",
        "((a)+)+",
        "((ab)*c)+",
        "(x|(y+))*",
        "([a-z]+)+",
        "(\\d+)+",
        "(\\p{L}+)+",
        "(a{1,5})+"
      ]
    ) {
      assert.isTrue(Faults.hasNestedQuantifier(pattern), pattern)
      assert.match(Faults.regexProblem(pattern) ?? "", /nested quantifier/, pattern)
    }
  })

  it("quantifiers that do not nest, or do not repeat, pass; escapes and classes are not groups", () => {
    for (
      const pattern of [
        "^/users/\\d+$",
        "/blobs/.*",
        "^/session(\\.json)?$",
        "^/(users|blobs)(/\\d+)?$",
        "(a+){1}",
        "(a+){0,1}",
        "(a+)?",
        "(ab)+",
        "(?:ab){3}",
        "\\(a+\\)+",
        "[(a+)]+",
        "[\\]()+]+",
        "\\p{L}+",
        "\\u{1F600}+",
        "(?<=a+)b",
        "(?<name>ab)+",
        "\\k<name>+",
        "a{2}b{3,}",
        "x{,3}+",
        "(a)\\1+"
      ]
    ) {
      assert.isFalse(Faults.hasNestedQuantifier(pattern), pattern)
    }
    assert.isUndefined(Faults.regexProblem("^/users/\\d+$"))
  })

  it("length: 500 characters pass, 501 do not; a syntax error names itself", () => {
    assert.isUndefined(Faults.regexProblem("a".repeat(Faults.MAX_REGEX_LENGTH)))
    assert.match(Faults.regexProblem("a".repeat(Faults.MAX_REGEX_LENGTH + 1)) ?? "", /too long .*500/)
    assert.match(Faults.regexProblem("(") ?? "", /^is not a valid regular expression/)
  })
})
