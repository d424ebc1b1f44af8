#!/usr/bin/env bash
# Language identification accuracy on chatterbot-corpus (PyPI, BSD-3-Clause): every
# utterance of the corpus's en, es, fr, de, it, pt and nl conversations, analyzed as a one-turn
# transcript. Needs pip and PyYAML; writes nothing into the repository.
set -euo pipefail
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pip download --quiet --no-deps -d "$work" chatterbot-corpus==1.3.3
python3 -m zipfile -e "$work"/chatterbot_corpus-*.whl "$work/x"
python3 - "$work/x/chatterbot_corpus/data" > "$work/lines.jsonl" <<'PY'
import json, pathlib, sys, yaml
langs = {"english": "en", "spanish": "es", "french": "fr", "german": "de",
         "italian": "it", "portuguese": "pt", "dutch": "nl"}
for folder, code in langs.items():
    for path in sorted(pathlib.Path(sys.argv[1], folder).glob("*.yml")):
        for conversation in yaml.safe_load(path.read_text()).get("conversations", []):
            for utterance in conversation:
                if isinstance(utterance, str) and utterance.strip():
                    print(json.dumps({"language": code, "text": utterance}, ensure_ascii=False))
PY
cargo run --quiet --release --example analysis_language -- "$work/lines.jsonl"
