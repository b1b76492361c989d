// What the suite types and runs its actions on, and the model and server it runs with.
import * as fs from "node:fs";
import * as path from "node:path";

import { ROOT } from "../harness.mjs";

const TINY_MODEL = path.join(ROOT, "build", "tiny-model");
const TRAINED_MODEL = path.resolve(process.env.QWEN_LSP_TRAINED_MODEL ?? path.join(ROOT, "build", "trained-model"));
// The trained test model (`make trained-model`) has learned tests/fixtures/corpus: with it the
// expected text is known, not only the server's own answer. QWEN_LSP_TEST_MODEL picks another.
export const MODEL = path.resolve(
  process.env.QWEN_LSP_TEST_MODEL ?? (fs.existsSync(path.join(TRAINED_MODEL, "config.json")) ? TRAINED_MODEL : TINY_MODEL),
);
export const KNOWN_TEXT = MODEL === TRAINED_MODEL;
// QWEN_LSP_SERVER: test another build of the server (default: the one `make install` made).
export const SERVER = path.resolve(process.env.QWEN_LSP_SERVER ?? path.join(ROOT, ".venv", "bin", "qwen-lsp"));

// With the trained model: a line of a training file emptied, its indentation typed again; the
// model must write the rest of the line it learned. The first candidate it gets right is used.
export const CORPUS = path.join(ROOT, "tests", "fixtures", "corpus");
export const HOLES = [
  ["temperature.py", "    return (fahrenheit - 32) * 5 / 9"],
  ["inventory.py", "        return sum(self.items.values())"],
  ["temperature.py", "        self.values.append(value)"],
];
// With random weights: a line typed at the end of a file, the first one the model completes
// (random weights complete some lines and not others).
export const COMPLETION_FILE = "complete.py";
export const ACCEPT_FILE = "accept.py"; // the same start, for the word-and-line scenario
export const COMPLETION_BEFORE = "import os\n\n\n";
export const TYPED_CANDIDATES = ["result = ", "import ", "def add(a, b):"];

export const corpus = (file) => fs.readFileSync(path.join(CORPUS, file), "utf8");
/** 1-based line of `text` that starts with `start`. */
const lineOf = (text, start) => text.split("\n").findIndex((l) => l.startsWith(start)) + 1;
const LANGUAGES = { ".py": "python", ".js": "javascript", ".go": "go" };
export const languageOf = (file) => LANGUAGES[path.extname(file)];

// The actions' files. The trained model knows the corpus and nothing else: there each action runs
// on a corpus function (none of the completion holes' files), and must make its edit. `line`: the
// indented body line whose end the cursor goes to (1-based; VS Code shows the light bulb on a
// line of code); none: the end of the file, inside its last function.
export const ACTION = KNOWN_TEXT
  ? { file: "retry.py", source: corpus("retry.py"), line: lineOf(corpus("retry.py"), "    return decorate") }
  : { file: "geometry.py", source: "import math\n\n\ndef circle_area(radius):\n    return math.pi * radius ** 2" };
export const ACTION_TITLE = "Add docstring with Qwen";
export const REFACTOR = KNOWN_TEXT
  ? { file: "stack.go", source: corpus("stack.go"), line: lineOf(corpus("stack.go"), "func (s *Stack[T]) Push") + 1, instruction: "simplify this" }
  : { file: "loops.py", source: "def total(xs):\n    s = 0\n    for x in xs:\n        s += x\n    return s", instruction: "use the built-in sum" };
export const GENERATE = KNOWN_TEXT
  ? { file: "slug.js", source: corpus("slug.js") }
  : { file: "units.py", source: "def km_to_miles(km):\n    return km * 0.621371\n" };
// Documentation on save: the user types a line into a function, then saves.
const DOCS_LINE = "    return WORD.findall(text.lower())";
export const DOCS = KNOWN_TEXT
  ? { file: "wordcount.py", source: corpus("wordcount.py").replace(`${DOCS_LINE}\n`, "\n"), line: lineOf(corpus("wordcount.py"), DOCS_LINE), typed: DOCS_LINE }
  : { file: "shapes.py", source: "def square_area(side):\n    return side * side", line: undefined, typed: " * 1" };
// One definition per save keeps the docs run short.
// Greedy actions: VS Code and the oracle below then get the same edit for the same request.
export const ACTION_LIMITS = { actions: { maxTokens: 256, temperature: 0 }, docs: { maxPerSave: 1 } };
// Repository context would make VS Code's prompts depend on its typing history; off, the
// prompt depends on the document alone and the oracle below sees the same one. Whole
// suggestions (answerWithinMs 0): an early answer would depend on the machine's load.
export const SERVER_SETTINGS = {
  model: MODEL,
  completion: { answerWithinMs: 0 },
  context: { repoFiles: false },
  ...ACTION_LIMITS,
};

/** VS Code's flat `qwen.a.b` keys for a nested server settings object. */
export function flatten(obj, prefix = "qwen") {
  return Object.entries(obj).flatMap(([key, value]) =>
    value && typeof value === "object" ? Object.entries(flatten(value, `${prefix}.${key}`)) : [[`${prefix}.${key}`, value]],
  ).reduce((acc, [k, v]) => ({ ...acc, [k]: v }), {});
}
