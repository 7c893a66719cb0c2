"""The bundled model, offline: torch until the ONNX export exists, then ONNX for queries and
documents alike, with the same vectors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from brief_bot.config import Settings
from brief_bot.index.embedding import SentenceTransformersEmbedder


def _fresh_process(model: Path, onnx_dir: Path, body: str) -> list[str]:
    """Run `body` in a new Python with `e`, an embedder sharing `onnx_dir`; its printed words."""
    code = ("import sys, numpy as np; from pathlib import Path; "
            "from brief_bot.index.embedding import SentenceTransformersEmbedder as E; "
            f"e = E(model_path=Path({str(model)!r}), onnx_dir=Path({str(onnx_dir)!r}), "
            f"batch_size=2); {body}")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-500:]
    return out.stdout.split()


def test_onnx_query_encoder_matches_torch_and_needs_no_torch(tmp_path: Path) -> None:
    model = Settings().resolved_model_path()
    embedder = SentenceTransformersEmbedder(model_path=model, onnx_dir=tmp_path)
    embedder.warm_up_queries()  # loads torch and exports the ONNX encoder once
    exported = embedder.onnx_path
    assert exported is not None and exported.exists()
    questions = ["how was the WCIT internet resolution adopted?", "TIES?", "word " * 400]
    torch_vectors = embedder.embed_documents(questions)
    for question, want in zip(questions, torch_vectors, strict=True):
        got = embedder.embed_query(question)
        assert abs(float(np.linalg.norm(got)) - 1.0) < 1e-4
        assert float(np.dot(got, want)) > 0.9999
    # A fresh process answering questions loads neither torch nor sentence-transformers.
    assert _fresh_process(model, tmp_path, (
        "v = e.embed_query('what is TIES?'); "
        "print(len(v), 'torch' in sys.modules, 'sentence_transformers' in sys.modules)")) == [
        "384", "False", "False"]
    # Nor does a fresh process indexing documents; its batches (padded, longest first) give the
    # vectors torch gives, in the order of the input.
    np.save(tmp_path / "torch.npy", torch_vectors)
    assert _fresh_process(model, tmp_path, (
        f"v = e.embed_documents({questions!r}); "
        f"want = np.load({str(tmp_path / 'torch.npy')!r}); "
        "print(e.document_backend, float((v * want).sum(1).min()) > 0.9999, "
        "'torch' in sys.modules)")) == ["onnx", "True", "False"]


def test_damaged_onnx_file_is_replaced(tmp_path: Path) -> None:
    model = Settings().resolved_model_path()
    embedder = SentenceTransformersEmbedder(model_path=model, onnx_dir=tmp_path)
    assert embedder.onnx_path is not None
    embedder.onnx_path.write_bytes(b"not an onnx model")
    vector = embedder.embed_query("what is TIES?")
    assert vector.shape == (384,)
    # The damaged export was replaced by a good one, used from then on.
    assert embedder._onnx is not None
    assert float(np.dot(embedder.embed_query("what is TIES?"), vector)) > 0.9999


def test_first_index_run_exports_the_encoder_and_later_runs_use_it(tiny_settings: Settings,
                                                                    tmp_path: Path) -> None:
    from brief_bot.index import update

    settings = tiny_settings.with_overrides(encoder_cache=tmp_path / "encoders")
    first = update(settings.indexing)
    assert first.encoder == "torch" and first.embedded > 0
    assert list((tmp_path / "encoders").glob("*.onnx"))  # made once, for every later run
    (settings.corpus / "notes.txt").write_text("A new note about the WTDC in Dubai.\n")
    second = update(settings.indexing)
    assert second.encoder == "onnx" and second.embedded > 0


def _ask_at_once(embedder: SentenceTransformersEmbedder, n: int = 6) -> list[BaseException]:
    """`n` questions arriving together at a cold embedder; the errors they met."""
    import threading

    barrier, errors = threading.Barrier(n), []

    def ask() -> None:
        barrier.wait()
        try:
            assert embedder.embed_query("what is TIES?").shape == (384,)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return errors


def test_questions_at_a_cold_embedder_wait_for_one_load(tmp_path: Path) -> None:
    """Two questions at a cold BriefBot could get `'NoneType' object has no attribute
    'encode'`: one started loading, the other took the half-loaded model."""
    import shutil

    model = Settings().resolved_model_path()
    shared = SentenceTransformersEmbedder(model_path=model, onnx_dir=Settings().encoder_cache)
    shared.warm_up_queries()  # the machine's export, made once if it is not there yet
    assert shared.onnx_path is not None and shared.onnx_path.exists()
    own = tmp_path / "encoders"
    own.mkdir()
    shutil.copy(shared.onnx_path, own / shared.onnx_path.name)
    assert _ask_at_once(SentenceTransformersEmbedder(model_path=model, onnx_dir=own)) == []
    assert _ask_at_once(SentenceTransformersEmbedder(model_path=model)) == []  # torch only
