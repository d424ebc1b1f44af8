//! The layers of `docs/architecture.md` run one way: no module of `src/` names a module of a
//! higher layer, the three surfaces (public API, management API, pages) do not borrow from each
//! other, and no source file grows past the size a reader can hold.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Each top-level module of the library and its layer: a module may use its own layer's
/// modules and those of lower layers, never a higher one.
const LAYERS: &[(&str, u8)] = &[
    ("model", 0),
    ("config", 0),
    ("store", 1),
    ("auth", 2),
    ("service", 3),
    ("analysis", 3),
    ("state", 4),
    ("http", 5),
    ("error", 5),
    ("api", 6),
    ("manage", 6),
    ("dashboard", 6),
    ("app", 7),
    ("cli", 8),
];

/// The surfaces: peers in one layer that must not use each other.
const SURFACES: &[&str] = &["api", "manage", "dashboard"];

/// The longest a file in `src/` may be.
const MAX_LINES: usize = 800;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`None` for the crate roots).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).expect("a file under src/");
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib" && name != "main").then(|| name.to_string())
}

/// Every `crate::name` a file's code (not its comments) refers to, with the line it is on.
fn crate_references(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            found.push((number + 1, name));
        }
    }
    found
}

fn source_files() -> (PathBuf, Vec<PathBuf>) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    (src, files)
}

#[test]
fn no_module_names_a_module_of_a_higher_layer() {
    let layers: BTreeMap<&str, u8> = LAYERS.iter().copied().collect();
    let (src, files) = source_files();
    let mut violations = Vec::new();
    for file in &files {
        let Some(module) = module_of(&src, file) else {
            continue;
        };
        let own = *layers
            .get(module.as_str())
            .unwrap_or_else(|| panic!("src/{module} is in no layer: add it to LAYERS"));
        let text = std::fs::read_to_string(file).expect("a readable source file");
        for (line, target) in crate_references(&text) {
            if target == module {
                continue;
            }
            let Some(&theirs) = layers.get(target.as_str()) else {
                continue;
            };
            let peers = SURFACES.contains(&module.as_str()) && SURFACES.contains(&target.as_str());
            if theirs > own || peers {
                violations.push(format!(
                    "{}:{line}: {module} (layer {own}) uses {target} (layer {theirs})",
                    file.display()
                ));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layers must run one way (docs/architecture.md):\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_check_sees_an_upward_reference() {
    // The scan itself: a reference in code is found, one in a comment is not.
    let text =
        "use crate::app::AppState;\n// crate::cli is only mentioned\nlet x = crate::model::Page;";
    let names: Vec<String> = crate_references(text).into_iter().map(|(_, n)| n).collect();
    assert_eq!(names, vec!["app", "model"]);
}

#[test]
fn no_source_file_is_longer_than_a_reader_can_hold() {
    let (_, files) = source_files();
    let long: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let lines = std::fs::read_to_string(file).ok()?.lines().count();
            (lines > MAX_LINES).then(|| format!("{}: {lines} lines", file.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "files in src/ stay within {MAX_LINES} lines; split these by concern:\n{}",
        long.join("\n")
    );
}
