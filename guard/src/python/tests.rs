//! Unit tests of the Python frontend on source strings.

use std::path::PathBuf;

use super::PythonFrontend;
use crate::frontend::{Frontend, Lowered};
use crate::model::{Callee, Module, PathBase, RawPath, TypeExpr, UseKind};
use crate::source::SourceFile;

fn lower(path: &str, text: &str) -> Lowered {
    let frontend = PythonFrontend::new(vec![PathBuf::from("src")]);
    frontend.lower(&SourceFile::new(PathBuf::from(path), text.to_string()))
}

fn module(path: &str, text: &str) -> Module {
    let lowered = lower(path, text);
    assert!(
        lowered.errors.is_empty(),
        "unexpected errors: {:?}",
        lowered.errors
    );
    lowered.modules.into_iter().next().expect("one module")
}

fn absolute(dotted: &str) -> RawPath {
    RawPath::absolute(dotted.split('.'))
}

fn glob(dotted: &str) -> RawPath {
    RawPath {
        via_glob: true,
        ..absolute(dotted)
    }
}

/// Returns the callee of the call whose name starts at a line.
fn callee_at_line(module: &Module, line: usize) -> &Callee {
    let site = calls(module).find(|c| c.span.line == line);
    &site
        .unwrap_or_else(|| panic!("no call on line {line}: {:#?}", module.calls))
        .callee
}

/// Returns the call sites of a module without attribute reads, which run code only for properties.
fn calls(module: &Module) -> impl Iterator<Item = &crate::model::CallSite> {
    module
        .calls
        .iter()
        .filter(|c| c.kind != crate::model::UseKind::Read)
}

#[test]
fn module_path_uses_longest_root() {
    assert_eq!(module("src/nyx/llm.py", "").path, ["nyx", "llm"]);
    assert_eq!(module("nyx/llm.py", "").path, ["nyx", "llm"]);
    assert_eq!(module("./scripts/run.py", "").path, ["scripts", "run"]);
}

#[test]
fn package_init_is_package_path() {
    assert_eq!(module("src/nyx/__init__.py", "").path, ["nyx"]);
}

#[test]
fn relative_import_counts_from_package() {
    let in_module = module("pkg/sub/mod.py", "from . import x\nfrom ..a import b\n");
    let in_package = module("pkg/__init__.py", "from . import x\n");

    assert_eq!(
        in_module.imports[0].target,
        [RawPath::new(PathBase::Module { up: 1 }, ["x"])]
    );
    assert_eq!(
        in_module.imports[1].target,
        [RawPath::new(PathBase::Module { up: 2 }, ["a", "b"])]
    );
    assert_eq!(
        in_package.imports[0].target,
        [RawPath::new(PathBase::Module { up: 0 }, ["x"])]
    );
}

#[test]
fn plain_import_binds_first_segment() {
    let m = module("m.py", "import a.b\nimport a.b as c\na.b.f()\nc.g()\n");

    assert_eq!(m.imports[0].local, "a");
    assert_eq!(
        callee_at_line(&m, 3),
        &Callee::Path(vec![absolute("a.b.f")])
    );
    assert_eq!(
        callee_at_line(&m, 4),
        &Callee::Path(vec![absolute("a.b.g")])
    );
}

#[test]
fn later_star_import_comes_first() {
    let m = module("m.py", "from a import *\nfrom b import *\nf()\n");
    assert_eq!(
        callee_at_line(&m, 3),
        &Callee::Path(vec![glob("b.f"), glob("a.f")])
    );
}

#[test]
fn explicit_import_after_star_shadows_it() {
    let m = module("m.py", "from a import *\nfrom b import f\nf()\n");
    assert_eq!(callee_at_line(&m, 3), &Callee::Path(vec![absolute("b.f")]));
}

#[test]
fn star_after_explicit_import_may_shadow_it() {
    let m = module("m.py", "from b import f\nfrom a import *\nf()\n");
    assert_eq!(
        callee_at_line(&m, 3),
        &Callee::Path(vec![glob("a.f"), glob("b.f")])
    );
}

#[test]
fn try_except_import_gives_alternatives() {
    let source = "try:\n    from fast import f\nexcept ImportError:\n    from slow import f\nf()\n";
    let m = module("m.py", source);
    assert_eq!(
        callee_at_line(&m, 5),
        &Callee::Path(vec![absolute("fast.f"), absolute("slow.f")])
    );
}

#[test]
fn if_without_else_keeps_earlier_binding() {
    let source = "from a import f\nif flag:\n    from b import f\nf()\n";
    let m = module("m.py", source);
    assert_eq!(
        callee_at_line(&m, 4),
        &Callee::Path(vec![absolute("b.f"), absolute("a.f")])
    );
}

#[test]
fn function_body_sees_later_module_names() {
    let m = module(
        "m.py",
        "def on_x():\n    helper()\n\nfrom a import helper\n",
    );
    assert_eq!(
        callee_at_line(&m, 2),
        &Callee::Path(vec![absolute("a.helper")])
    );
}

#[test]
fn type_checking_imports_serve_annotations_only() {
    let source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from openai import AsyncOpenAI\n\
                  def f(client: \"AsyncOpenAI\"):\n    AsyncOpenAI()\n    client.chat.completions.create()\n";
    let m = module("m.py", source);
    let expected = Callee::Method {
        receiver: TypeExpr::Named(vec![absolute("openai.AsyncOpenAI")]),
        segments: vec!["chat".into(), "completions".into(), "create".into()],
    };

    assert!(m.imports.iter().all(|i| i.local != "AsyncOpenAI"));
    assert!(calls(&m).all(|c| c.span.line != 5), "calls: {:#?}", m.calls);
    assert_eq!(callee_at_line(&m, 6), &expected);
}

#[test]
fn strings_and_comments_make_no_calls() {
    let source = "def f():\n    \"\"\"llm_json(x)\"\"\"\n    # llm_json(x)\n    s = 'llm_json(x)'\n    t = f\"llm_json({s})\"\n";
    let m = module("m.py", source);
    assert!(calls(&m).next().is_none(), "calls: {:#?}", m.calls);
}

#[test]
fn fstring_interpolation_makes_call() {
    let m = module("m.py", "from a import g\nx = f\"{g(1)}\"\n");
    assert_eq!(callee_at_line(&m, 2), &Callee::Path(vec![absolute("a.g")]));
}

#[test]
fn class_records_bases_fields_and_methods() {
    let source = [
        "from openai import OpenAI",
        "from base import Agent",
        "class Bot(Agent):",
        "    model: OpenAI",
        "    def __init__(self):",
        "        self.client = OpenAI()",
        "    def run(self):",
        "        self.client.chat.create()",
    ]
    .join("\n");
    let m = module("m.py", &source);
    let class = &m.types[0];
    let run = m
        .functions
        .iter()
        .find(|f| f.name == "run")
        .expect("run is recorded");

    assert_eq!(class.bases, [vec![absolute("base.Agent")]]);
    assert_eq!(
        class.fields[0],
        (
            "model".to_string(),
            TypeExpr::Named(vec![absolute("openai.OpenAI")])
        )
    );
    assert_eq!(class.fields[1].0, "client");
    assert_eq!(run.local_path, ["Bot", "run"]);
    assert_eq!(
        run.owner,
        Some(TypeExpr::Named(vec![RawPath::in_module(["Bot"])]))
    );
}

#[test]
fn super_call_starts_at_bases() {
    let source = "class A(B):\n    def m(self):\n        super().m()\n";
    let m = module("m.py", source);
    let expected = Callee::Method {
        receiver: TypeExpr::SuperOf(vec![RawPath::in_module(["A"])]),
        segments: vec!["m".into()],
    };
    assert!(
        calls(&m).any(|c| c.callee == expected),
        "calls: {:#?}",
        m.calls
    );
}

#[test]
fn nested_function_has_parent() {
    let m = module(
        "m.py",
        "def outer():\n    def inner():\n        pass\n    inner()\n",
    );
    let inner = &m.functions[1];

    assert_eq!(inner.local_path, ["outer", "inner"]);
    assert_eq!(inner.parent, Some(0));
    assert_eq!(
        callee_at_line(&m, 4),
        &Callee::Path(vec![RawPath::in_module(["outer", "inner"])])
    );
}

#[test]
fn runner_argument_is_passed() {
    let source = "import asyncio\nfrom functools import partial\nfrom a import f\nasync def h(loop):\n    \
                  await asyncio.to_thread(f, 1)\n    await loop.run_in_executor(None, partial(f, 1))\n    keep = [f]\n";
    let m = module("m.py", source);
    let passed: Vec<usize> = m
        .calls
        .iter()
        .filter(|c| c.kind == UseKind::Passed)
        .map(|c| c.span.line)
        .collect();

    assert_eq!(passed, [5, 6]);
    assert!(
        calls(&m).all(|c| c.span.line != 7),
        "a stored reference is no call site"
    );
}

#[test]
fn argument_call_points_to_outer_call() {
    let m = module(
        "m.py",
        "from tasks import task\nfrom a import g\ntask.delay(g())\n",
    );
    let delay = m.calls.iter().position(
        |c| matches!(&c.callee, Callee::Path(p) if p[0].segments.ends_with(&["delay".to_string()])),
    );
    let inner = m
        .calls
        .iter()
        .find(|c| c.callee == Callee::Path(vec![absolute("a.g")]))
        .expect("g() is recorded");

    assert!(delay.is_some());
    assert_eq!(inner.argument_of, delay);
}

#[test]
fn module_level_bindings_become_aliases_and_exports() {
    let source = "from a import f, g\nask = f\nHANDLERS = {\"x\": f, \"y\": g}\nLIMIT = 3\n__all__ = [\"ask\", \"LIMIT\"]\n";
    let m = module("m.py", source);

    assert_eq!(m.aliases[0].local, "ask");
    assert_eq!(m.aliases[0].targets, [absolute("a.f")]);
    assert_eq!(m.aliases[1].targets, [absolute("a.f"), absolute("a.g")]);
    assert!(m.other_items.contains(&"LIMIT".to_string()));
    assert_eq!(
        m.exports,
        Some(vec!["ask".to_string(), "LIMIT".to_string()])
    );
}

#[test]
fn local_variable_bound_to_function_is_call() {
    let m = module("m.py", "from a import f\ndef h():\n    g = f\n    g()\n");
    let site = m
        .calls
        .iter()
        .find(|c| c.span.line == 4)
        .expect("g() is recorded");

    assert_eq!(site.callee, Callee::Path(vec![absolute("a.f")]));
    assert_eq!(site.kind, UseKind::Call);
}

#[test]
fn parameter_shadows_import() {
    let m = module("m.py", "from a import f\ndef h(f):\n    f()\n");
    assert!(calls(&m).next().is_none(), "calls: {:#?}", m.calls);
}

#[test]
fn dynamic_imports_resolve() {
    let source = "import importlib\nimportlib.import_module(\"a.b\").f()\n__import__(\"a.b\").c()\ngetattr(obj, \"x\")\n";
    let m = module("m.py", source);

    assert_eq!(
        callee_at_line(&m, 2),
        &Callee::Path(vec![absolute("importlib.import_module")])
    );
    assert!(m
        .calls
        .iter()
        .any(|c| c.callee == Callee::Path(vec![absolute("a.b.f")])));
    assert!(m
        .calls
        .iter()
        .any(|c| c.callee == Callee::Path(vec![absolute("a.c")])));
}

#[test]
fn syntax_error_keeps_recovered_module() {
    let lowered = lower(
        "m.py",
        "from a import f\ndef broken(:\n    pass\ndef ok():\n    f()\n",
    );

    assert!(!lowered.errors.is_empty());
    assert_eq!(lowered.errors[0].span.as_ref().map(|s| s.line), Some(2));
    assert!(lowered.modules[0]
        .calls
        .iter()
        .any(|c| c.callee == Callee::Path(vec![absolute("a.f")])));
}

#[test]
fn deep_nesting_is_reported() {
    let depth = super::MAX_NESTING + 50;
    let source = format!("x = {}1{}\n", "(".repeat(depth), ")".repeat(depth));
    let lowered = lower("m.py", &source);
    assert!(
        lowered
            .errors
            .iter()
            .any(|e| e.message.contains("nests more than")),
        "errors: {:?}",
        lowered.errors
    );
}

#[test]
fn pytest_function_is_test_code() {
    let m = module(
        "tests/test_flow.py",
        "def test_flow():\n    pass\ndef helper():\n    pass\n",
    );

    assert!(m.functions[0].in_test);
    assert!(!m.functions[1].in_test);
}

#[test]
fn property_with_return_type_is_field() {
    let source = [
        "from openai import OpenAI",
        "class Bot:",
        "    @property",
        "    def client(self) -> OpenAI:",
        "        return make()",
    ];
    let m = module("m.py", &source.join("\n"));
    assert_eq!(
        m.types[0].fields,
        [(
            "client".to_string(),
            TypeExpr::Named(vec![absolute("openai.OpenAI")])
        )]
    );
}

#[test]
fn bound_method_passed_to_runner() {
    let source = [
        "import asyncio",
        "from openai import OpenAI",
        "async def h():",
        "    client = OpenAI()",
        "    await asyncio.to_thread(client.chat.create, 1)",
    ];
    let m = module("m.py", &source.join("\n"));
    let passed = m
        .calls
        .iter()
        .find(|c| c.kind == UseKind::Passed)
        .expect("the bound method is passed");

    assert_eq!(passed.span.line, 5);
    assert!(
        matches!(&passed.callee, Callee::Method { segments, .. } if segments == &["chat", "create"])
    );
}

#[test]
fn returned_constructor_is_return_type() {
    let source = [
        "from openai import OpenAI",
        "def make():",
        "    return OpenAI()",
        "def mixed(flag):",
        "    if flag:",
        "        return OpenAI()",
        "    return None",
    ];
    let m = module("m.py", &source.join("\n"));
    let constructed = TypeExpr::Returned(Box::new(Callee::Path(vec![absolute("openai.OpenAI")])));

    assert_eq!(m.functions[0].returns, Some(constructed));
    assert_eq!(m.functions[1].returns, None);
}

#[test]
fn named_lambda_is_function() {
    let source = [
        "from a import f",
        "ask = lambda p: f(p)",
        "def h():",
        "    ask(1)",
    ];
    let m = module("m.py", &source.join("\n"));
    let inner = m
        .calls
        .iter()
        .find(|c| c.span.line == 2)
        .expect("f(p) is recorded");

    assert_eq!(m.functions[0].local_path, ["ask"]);
    assert_eq!(inner.enclosing, Some(0));
    assert_eq!(
        callee_at_line(&m, 4),
        &Callee::Path(vec![RawPath::in_module(["ask"])])
    );
}
