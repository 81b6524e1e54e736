"""The default embedding backend: the bundled model as an int8 ONNX graph, run by onnxruntime.

The graph is made from the model's own local files (no download): `torch.onnx.export` of the
transformer (its plain attention, which onnxruntime's transformer optimizer recognizes), that
optimizer's fusions (attention, embedding and skip layer norms, bias GELU: fewer, larger
operators), then `onnxruntime.quantization.quantize_dynamic` (int8 weights, per channel). That
graph ships with Waypoint (`shipped_graph`: run in place when its hash, recipe and model match
this install); without it, it is exported once, on first use, into `WAYPOINT_HOME/models/` with
its SHA-256 beside it. Either way a process that embeds needs neither torch nor transformers:
texts are tokenized with the `tokenizers` package from the model's `tokenizer.json`, and the
token vectors are mean-pooled and normalized as sentence-transformers does (mean cosine with the
torch vectors above 0.99).

Threads are explicit: a single text (a question) runs on `threads` intra-op threads (default 1,
so that simultaneous questions each keep a core instead of fighting over all of them). Batches
(an ingest) use every core the other way round: whole batches run side by side, one per core,
each on one thread (onnxruntime releases the GIL), so no core waits on another at every
operator as intra-op threads do, and a core taken by another process slows only its own batch.
Texts are sorted by their token count and each batch is padded to its longest, so short texts
are not padded to a long one's length; 16 texts a batch (`BATCH_SIZE`) is quicker here than
torch's 32.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import WaypointError
from assistant.retrieval.shipped_graph import SHIPPED_MODELS, file_sha256, usable

BACKEND = "onnx-int8"
# Bump when the export or the quantization changes: the file name and the vectors' key change.
RECIPE = "2"  # 2: fused (attention, layer norms, GELU) before quantizing
OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# Up to this many texts go through the single-text session; more go through the batch one.
SMALL_BATCH = 4
BATCH_SIZE = 16  # texts per batch of an ingest, unless the settings say otherwise
_export_lock = threading.Lock()


def onnx_file(cache_dir: Path, model: str) -> Path:
    """Where the int8 graph of `model` is kept."""
    return cache_dir / f"{model}-{BACKEND}-r{RECIPE}.onnx"


def _hash_file(path: Path) -> Path:
    return path.with_suffix(".sha256")


def verified(path: Path) -> bool:
    """The graph exists and matches the hash written when it was exported."""
    sidecar = _hash_file(path)
    if not path.is_file() or not sidecar.is_file():
        return False
    return sidecar.read_text(encoding="utf-8").strip() == file_sha256(path)


def export_int8(model_path: Path, target: Path) -> str:
    """Export the sentence-transformers model in `model_path` (local files only) to an int8
    ONNX graph at `target`, written atomically with its SHA-256 beside it. Returns the hash."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import onnx
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from onnxruntime.transformers.optimizer import optimize_model
        from transformers import AutoModel
        from transformers.utils import logging as transformers_logging
    except ImportError as exc:  # pragma: no cover - the default install has them
        raise WaypointError(
            f"cannot build the int8 embedding model ({exc.name} is not installed); install it "
            "or set WAYPOINT_EMBEDDING_BACKEND=torch"
        ) from exc
    transformers_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    if not (model_path / "config.json").is_file():
        raise WaypointError(f"embedding model folder not found or incomplete: {model_path}")
    target.parent.mkdir(parents=True, exist_ok=True)
    # plain ("eager") attention: the fused attention operator replaces it
    model = AutoModel.from_pretrained(
        str(model_path), local_files_only=True, attn_implementation="eager"
    )
    model.eval()

    class Hidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    sample = torch.ones(1, 8, dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "hidden")}
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        fp32 = Path(work) / "fp32.onnx"
        int8 = Path(work) / "int8.onnx"
        with torch.no_grad():
            torch.onnx.export(
                Hidden(model),
                (sample, sample, torch.zeros_like(sample)),
                str(fp32),
                input_names=list(INPUTS),
                output_names=["hidden"],
                dynamic_axes=axes,
                opset_version=OPSET,
                dynamo=False,
            )
        fused = Path(work) / "fused.onnx"
        optimize_model(
            str(fp32),
            model_type="bert",
            num_heads=model.config.num_attention_heads,
            hidden_size=model.config.hidden_size,
        ).save_model_to_file(str(fused))
        quantize_dynamic(
            str(fused),
            str(int8),
            weight_type=QuantType.QInt8,
            per_channel=True,
            # the fused operators' outputs have no inferred type: they are float
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
        digest = file_sha256(int8)
        os.replace(int8, target)
    sidecar = _hash_file(target)
    sidecar.write_text(digest + "\n", encoding="utf-8")
    return digest


def ensure_int8(model_path: Path, target: Path) -> str:
    """The int8 graph at `target`, exported first if it is missing or does not match its hash.
    The export runs in a child process, so torch never stays in this one's memory. Returns
    the graph's SHA-256."""
    with _export_lock:
        if not verified(target):
            # the child finds this package where this process found it
            source = str(Path(__file__).resolve().parents[2])
            paths = [source, *filter(None, [os.environ.get("PYTHONPATH")])]
            done = subprocess.run(
                [sys.executable, "-m", __name__, str(model_path), str(target)],
                env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)},
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0 or not verified(target):
                lines = (done.stderr or done.stdout).strip().splitlines()
                why = lines[-1] if lines else f"exit status {done.returncode}"
                raise WaypointError(
                    f"cannot build the int8 embedding model in {target.parent}: {why} "
                    "(WAYPOINT_EMBEDDING_BACKEND=torch runs without it)"
                )
        return _hash_file(target).read_text(encoding="utf-8").strip()


def cores() -> int:
    """The cores this process may run on: as many batches run at once."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def batches(lengths: Sequence[int], size: int) -> list[list[int]]:
    """The indexes of texts of these token counts, longest first, in batches of `size`: each
    batch holds texts of similar length, so little of it is padding."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    return [order[start : start + size] for start in range(0, len(order), size)]


def max_tokens(model_path: Path, default: int = 256) -> int:
    """The model's sequence limit, as sentence-transformers reads it."""
    config = model_path / "sentence_bert_config.json"
    try:
        return int(json.loads(config.read_text(encoding="utf-8"))["max_seq_length"])
    except (OSError, ValueError, KeyError, TypeError):
        return default


class OnnxEmbedder:
    """An int8 ONNX sentence encoder behind the Embedder protocol. `name` is the model's name
    with the backend, so its vectors are never mixed with the torch backend's."""

    def __init__(
        self,
        model: str,
        model_path: Callable[[], Path],
        cache_dir: Path,
        *,
        batch_size: int = BATCH_SIZE,
        threads: int = 1,
        shipped_dir: Path | None = SHIPPED_MODELS,
    ) -> None:
        """`shipped_dir`: where a shipped graph is looked for first (None: always export)."""
        self.model = model
        self.name = f"{model}+{BACKEND}"
        self.backend = BACKEND
        self._model_path = model_path
        self._cache_dir = cache_dir
        self._batch_size = batch_size
        self._threads = threads
        self._shipped_dir = shipped_dir
        self._lock = threading.Lock()
        self._tokenizer: Any = None
        self._single: Any = None
        self._batch: Any = None
        self.sha256: str | None = None
        self.graph: Path | None = None  # the graph run: the shipped one, or this home's export

    @property
    def loaded(self) -> bool:
        return self._single is not None

    @property
    def path(self) -> Path:
        """Where this home's own export is kept (when the shipped graph cannot be used)."""
        return onnx_file(self._cache_dir, self.model)

    def _locate(self, folder: Path) -> tuple[Path, str]:
        """The graph to run and its SHA-256: the shipped one if it fits, else this home's
        export (made now if missing or damaged)."""
        if self._shipped_dir is not None:
            shipped = onnx_file(self._shipped_dir, self.model)
            digest = usable(shipped, folder, RECIPE)
            if digest is not None:
                return shipped, digest
        return self.path, ensure_int8(folder, self.path)

    def _session(self, threads: int) -> Any:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads  # 0: onnxruntime's default (physical cores)
        # waiting threads sleep instead of spinning: on a busy machine spinning threads burn
        # the cores the working ones need
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        return onnxruntime.InferenceSession(
            str(self.graph), options, providers=["CPUExecutionProvider"]
        )

    def _load(self) -> None:
        with self._lock:
            if self._single is not None:
                return
            from tokenizers import Tokenizer

            folder = self._model_path()
            if not (folder / "tokenizer.json").is_file():
                raise WaypointError(f"embedding model folder has no tokenizer.json: {folder}")
            self.graph, self.sha256 = self._locate(folder)
            tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            tokenizer.enable_truncation(max_tokens(folder))  # as sentence-transformers: 256
            tokenizer.no_padding()  # each batch is padded to its own longest text
            self._tokenizer = tokenizer
            self._single = self._session(self._threads)
            # batches run side by side, each on one thread
            self._batch = self._single if self._threads == 1 else self._session(1)

    @staticmethod
    def _encode(tokens: Sequence[list[int]], session: Any) -> np.ndarray:
        """The vectors of texts given as token ids, padded (id 0, masked) to the longest."""
        ids = np.zeros((len(tokens), max(map(len, tokens))), dtype=np.int64)
        for row, one in enumerate(tokens):
            ids[row, : len(one)] = one
        mask = (np.arange(ids.shape[1]) < np.array([[len(one)] for one in tokens])).astype(np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return np.asarray(pooled / np.maximum(norms, 1e-12), dtype=np.float32)

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        self._load()
        tokens = [e.ids for e in self._tokenizer.encode_batch(list(texts))]
        if len(texts) <= SMALL_BATCH:
            return [[float(x) for x in row] for row in self._encode(tokens, self._single)]
        parts = batches([len(one) for one in tokens], self._batch_size)

        def run(part: list[int]) -> np.ndarray:
            return self._encode([tokens[i] for i in part], self._batch)

        with ThreadPoolExecutor(min(cores(), len(parts))) as pool:
            done = pool.map(run, parts)
            out: list[list[float]] = [[] for _ in texts]
            for part, vectors in zip(parts, done, strict=True):
                for index, row in zip(part, vectors, strict=True):
                    out[index] = [float(x) for x in row]
        return out

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


if __name__ == "__main__":  # the export, in a process of its own: MODEL_FOLDER TARGET_FILE
    print(export_int8(Path(sys.argv[1]), Path(sys.argv[2])))
