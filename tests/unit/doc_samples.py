"""Source samples with documented and undocumented definitions, per language."""

PY = '''import os


@cache
def area(w, h):
    # the product
    return w * h


class Shape:
    """A shape."""

    def grow(self, k):
        return k

    def short(self): return 1
'''

CASES = {
    "javascript": (
        "/** Adds. */\nexport function add(a, b) {\n  return a + b;\n}\n\n"
        "class Box {\n  open(x) {\n    return x;\n  }\n}\n",
        {"Box", "Box.open"},
        ("open", "  /**\n   * Opens it.\n   * @param x the lid\n   */\n  open(x) {"),
    ),
    "typescript": (
        "export function twice(n: number): number {\n  return 2 * n;\n}\n"
        "interface Point { x: number }\n"
        "export const half = async (n: number): Promise<number> => n / 2;\nconst k = 2;\n",
        {"twice", "Point", "half"},
        ("twice", "/**\n * Opens it.\n * @param x the lid\n */\nexport function twice"),
    ),
    "rust": (
        "/// Documented.\nfn done() {}\n\n#[derive(Debug)]\nstruct Point {\n    x: i32,\n}\n\n"
        "impl Point {\n    fn norm(&self) -> i32 {\n        self.x\n    }\n}\n",
        {"Point", "norm"},
        ("Point", "/// Opens it.\n/// @param x the lid\n#[derive(Debug)]\nstruct Point"),
    ),
    "go": (
        "package geo\n\n// Area is documented.\nfunc Area() int { return 1 }\n\n"
        "func (p Point) Norm() int {\n\treturn p.X\n}\n",
        {"Norm"},
        ("Norm", "// Norm opens it.\n// @param x the lid\nfunc (p Point) Norm"),
    ),
    "lua": (
        "--- Documented.\nlocal function done() end\n\nfunction M.norm(p)\n  return p.x\nend\n",
        {"norm"},
        ("norm", "--- Opens it.\n--- @param x the lid\nfunction M.norm(p)"),
    ),
}
