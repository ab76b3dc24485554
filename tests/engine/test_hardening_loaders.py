"""Hostile weights files and folders: each is refused with one clear WeightsError, quickly (issue 14).

Sizes are taken from what a file holds, not from what a name or a config says; values of the wrong
type or meaning name the file and the field; NaN weights are refused at load; anything that is not a
regular file (a FIFO, a device) is refused before it is opened, since reading one can wait forever.
"""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from engine.errors import WeightsError
from engine.nn.checkpoints import load_weights, save_checkpoint
from engine.nn.decoder import DecoderLM
from engine.nn.decoder_config import DecoderConfig
from engine.nn.decoder_loader import checkpoint_name, load_decoder
from engine.nn.loaded_model import IdMap
from engine.nn.model import GPT, GPTConfig
from engine.nn.rope import RopeSettings

SECONDS = 10  # every refusal here takes well under a second; 100,000 blocks took 92 s before
TINY = GPTConfig(vocab_size=7, context=4, dim=8, layers=1, heads=2)
DEEP = "[" * 100_000 + "]" * 100_000  # json.loads raises RecursionError on this


def _error(load, path: Path) -> str:
    """The message of the WeightsError `load(path)` raises, within SECONDS (SIGALRM fails the test)."""

    def too_slow(signum, frame):
        raise TimeoutError(f"loading {path} took more than {SECONDS} s")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(SECONDS)
    try:
        with pytest.raises(WeightsError) as caught:
            load(path)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    message = str(caught.value)
    assert "\n" not in message and "internal error" not in message
    return message


def _tensors(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    with safe_open(path, framework="pt") as handle:
        return {name: handle.get_tensor(name) for name in handle.keys()}, dict(handle.metadata() or {})


@pytest.fixture
def tiny(tmp_path) -> Path:
    torch.manual_seed(0)
    return save_checkpoint(GPT(TINY), TINY, tmp_path / "tiny.safetensors", id_map=IdMap.from_ids(range(6)))


def _gpt2_tensors() -> dict[str, torch.Tensor]:
    """A bare GPT-2 file's tensors (no lm_head; heads come from n_head metadata or config.json)."""
    from engine.nn.checkpoints import gpt2_name

    tensors = {}
    for name, tensor in GPT(TINY).state_dict().items():
        stored = gpt2_name(name)
        conv1d = stored.endswith(("c_attn.weight", "c_proj.weight", "c_fc.weight"))
        tensors[stored] = (tensor.t() if conv1d else tensor).contiguous()
    return tensors


# --- class 1: sizes taken from the file, not from a name or a config ------------------------------


@pytest.mark.parametrize("block", [2, 100_000, 10**8])
def test_a_far_block_name_does_not_build_that_many_blocks(tmp_path, block):
    tensors = _gpt2_tensors()
    tensors[f"h.{block}.ln_1.weight"] = torch.ones(TINY.dim)
    path = tmp_path / "far.safetensors"
    save_file(tensors, path, metadata={"n_head": "2"})
    assert f"h.{block}" in _error(load_weights, path)


@pytest.mark.parametrize("layers", [2, 100_000, 10**8])
def test_tiny_config_metadata_declaring_more_layers_is_refused(tiny, layers):
    tensors, metadata = _tensors(tiny)
    config = {**json.loads(metadata["config"]), "layers": layers}
    save_file(tensors, tiny, metadata={**metadata, "config": json.dumps(config)})
    message = _error(load_weights, tiny)
    assert f"layers={layers}" in message and "holds 1 blocks" in message


@pytest.mark.parametrize(
    ("key", "value"), [("n_layer", 10**8), ("n_embd", 10**6), ("vocab_size", 10**9), ("n_positions", 10**9)]
)
def test_config_json_beside_gpt2_weights_declaring_more_is_refused(tmp_path, key, value):
    save_file(_gpt2_tensors(), tmp_path / "model.safetensors")
    config = {"n_layer": 1, "n_head": 2, "n_embd": 8, "vocab_size": 7, "n_positions": 4, key: value}
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert f"{key}={value}" in _error(load_weights, tmp_path)


def _handwritten(path: Path, header: dict, data: bytes) -> Path:
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + data)
    return path


@pytest.mark.parametrize(
    "header",
    [
        {"wte.weight": {"dtype": "F32", "shape": [10**9, 10**9], "data_offsets": [0, 16]}},
        {"wte.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 10**12]}},
        {"wte.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}, "__metadata__": {"a": "b"}}
        | {"wpe.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [8, 24]}},
    ],
    ids=["shape-beyond-bytes", "offsets-beyond-file", "overlapping"],
)
def test_a_header_claiming_more_bytes_than_the_file_holds_is_refused(tmp_path, header):
    path = _handwritten(tmp_path / "claims.safetensors", header, bytes(16))
    assert "not a readable safetensors file" in _error(load_weights, path)


def _decoder_folder(folder: Path, **overrides) -> Path:
    config = DecoderConfig(
        vocab_size=16, context=32, dim=8, layers=2, heads=2, kv_heads=1, head_dim=4, mlp_dim=16,
        rope=RopeSettings(theta=10000.0), tied=True,
    )  # fmt: skip
    torch.manual_seed(0)
    state = {checkpoint_name(k): v.contiguous() for k, v in DecoderLM(config).state_dict().items()}
    folder.mkdir(exist_ok=True)
    save_file(state, folder / "model.safetensors")
    hf = dict(
        architectures=["LlamaForCausalLM"], model_type="llama", vocab_size=16, max_position_embeddings=32,
        hidden_size=8, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1, head_dim=4,
        intermediate_size=16, rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=True,
        hidden_act="silu",
    )  # fmt: skip
    (folder / "config.json").write_text(json.dumps({**hf, **overrides}))
    return folder


def test_the_decoder_test_folder_loads(tmp_path):
    assert load_decoder(_decoder_folder(tmp_path / "m")).config.layers == 2


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("num_hidden_layers", 3),
        ("num_hidden_layers", 100_000),
        ("num_hidden_layers", 10**8),
        ("vocab_size", 10**9),
        ("hidden_size", 10**6),
    ],
)
def test_decoder_config_declaring_more_than_the_tensors_hold_is_refused(tmp_path, key, value):
    folder = _decoder_folder(
        tmp_path / "m", **{key: value}, **({"head_dim": 4} if key == "hidden_size" else {})
    )
    message = _error(load_decoder, folder)
    assert str(value) in message or "shape" in message


# --- class 2: values of the wrong type or meaning -------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("dim", 128.0),
        ("dim", "8"),
        ("layers", True),
        ("layer_norm_eps", "abc"),
        ("layer_norm_eps", -1.0),
        ("layer_norm_eps", None),
        ("qkv_bias", 1),
        ("dropout", "x"),
    ],
)
def test_tiny_config_fields_of_the_wrong_type_are_named(tiny, field, value):
    tensors, metadata = _tensors(tiny)
    config = {**json.loads(metadata["config"]), field: value}
    save_file(tensors, tiny, metadata={**metadata, "config": json.dumps(config)})
    message = _error(load_weights, tiny)
    assert str(tiny) in message and field in message


@pytest.mark.parametrize("text", ["NaN", "Infinity", '"abc"', "[1]", "0"])
def test_tiny_config_epsilon_that_json_accepts_but_is_no_number_is_named(tiny, text):
    tensors, metadata = _tensors(tiny)
    config = json.dumps({**json.loads(metadata["config"]), "layer_norm_eps": 0}).replace(
        '"layer_norm_eps": 0', f'"layer_norm_eps": {text}'
    )
    save_file(tensors, tiny, metadata={**metadata, "config": config})
    assert "layer_norm_eps" in _error(load_weights, tiny)


@pytest.mark.parametrize(
    "id_map",
    [
        '["a", "b", "c", "d", "e", "f"]',
        "[0, 1, 2, 3, 4, -5]",
        "[0, 1, 2, 3, 4, 99999999999]",
        "[5, 4, 3, 2, 1, 0]",
        "[0, 1, 1, 2, 3, 4]",
        "[0, 1, 2, 3, 4, 5.5]",
        "[[0, 1], [2, 3], [4, 5]]",
        '{"0": 1}',
        DEEP,
    ],
    ids=["strings", "negative", "huge", "unsorted", "repeated", "float", "nested", "object", "deep"],
)
def test_a_bad_id_map_is_named(tiny, id_map):
    tensors, metadata = _tensors(tiny)
    save_file(tensors, tiny, metadata={**metadata, "id_map": id_map})
    assert "id_map" in _error(load_weights, tiny)


def test_deeply_nested_config_metadata_is_named(tiny):
    tensors, metadata = _tensors(tiny)
    save_file(tensors, tiny, metadata={**metadata, "config": DEEP})
    assert "config" in _error(load_weights, tiny)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize("tensor", ["wte.weight", "h.0.attn.c_attn.weight", "ln_f.bias"])
def test_nan_or_infinite_weights_are_refused(tiny, bad, tensor):
    tensors, metadata = _tensors(tiny)
    tensors[tensor].view(-1)[0] = bad
    save_file(tensors, tiny, metadata=metadata)
    message = _error(load_weights, tiny)
    assert tensor in message and "NaN or infinite" in message


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("layer_norm_epsilon", '"abc"'),
        ("layer_norm_epsilon", "NaN"),
        ("n_embd", "8.0"),
        ("n_layer", "true"),
        ("n_head", '"2"'),
        ("n_positions", "null"),
    ],
)
def test_gpt2_config_json_fields_of_the_wrong_type_are_named(tmp_path, key, text):
    save_file(_gpt2_tensors(), tmp_path / "model.safetensors")
    config = {"n_layer": 1, "n_head": 2, "n_embd": 8, "vocab_size": 7, "n_positions": 4, key: "@"}
    (tmp_path / "config.json").write_text(json.dumps(config).replace('"@"', text))
    message = _error(load_weights, tmp_path)
    assert "config.json" in message and key in message


@pytest.mark.parametrize("kind", ["gpt2", "decoder"])
def test_deeply_nested_config_json_is_named(tmp_path, kind):
    if kind == "gpt2":
        save_file(_gpt2_tensors(), tmp_path / "model.safetensors")
        folder, load = tmp_path, load_weights
    else:
        folder, load = _decoder_folder(tmp_path / "m"), load_decoder
    (folder / "config.json").write_text('{"a": ' + DEEP + "}")
    message = _error(load, folder)
    assert "config.json" in message and "nested" in message


@pytest.mark.parametrize(
    ("key", "value"),
    [("rms_norm_eps", "abc"), ("rms_norm_eps", float("nan")), ("hidden_size", 8.0), ("rope_theta", "x")],
)
def test_decoder_config_fields_of_the_wrong_type_are_named(tmp_path, key, value):
    folder = _decoder_folder(tmp_path / "m", **{key: value})
    message = _error(load_decoder, folder)
    assert "config.json" in message and key in message


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_nan_decoder_weights_are_refused(tmp_path, bad):
    folder = _decoder_folder(tmp_path / "m")
    tensors, _ = _tensors(folder / "model.safetensors")
    tensors["model.norm.weight"][0] = bad
    save_file(tensors, folder / "model.safetensors")
    assert "model.norm.weight holds NaN or infinite" in _error(load_decoder, folder)


# --- class 3: not a regular file --------------------------------------------------------------------

_LOAD_IN_A_CHILD = """
import sys
from engine.errors import WeightsError
from engine.nn.checkpoints import load_weights
from engine.nn.decoder_loader import load_decoder
try:
    (load_decoder if sys.argv[1] == "decoder" else load_weights)(sys.argv[2])
except WeightsError as error:
    print(error)
    sys.exit(2)
"""


def _child_error(kind: str, path: Path) -> str:
    """Load in a child process (a FIFO open could block a thread for good), within 60 s."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _LOAD_IN_A_CHILD, kind, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 2, done.stderr
    assert time.monotonic() - started < 60
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("kind", "where"),
    [
        ("gpt2", "file"),
        ("gpt2", "model.safetensors"),
        ("gpt2", "config.json"),
        ("decoder", "model.safetensors"),
        ("decoder", "config.json"),
        ("decoder", "model.safetensors.index.json"),
    ],
)
def test_a_fifo_is_refused_not_waited_on(tmp_path, kind, where):
    if kind == "decoder":
        folder = _decoder_folder(tmp_path / "m")
    else:
        folder = tmp_path / "m"
        folder.mkdir()
        save_file(_gpt2_tensors(), folder / "model.safetensors", metadata={"n_head": "2"})
    if where == "file":
        target = tmp_path / "pipe.safetensors"
    else:
        target = folder / where
        if where == "model.safetensors.index.json":
            (folder / "model.safetensors").unlink()
        elif target.exists():
            target.unlink()
    os.mkfifo(target)
    message = _child_error(kind, target if where == "file" else folder)
    assert str(target) in message and "not a regular file" in message


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
def test_a_device_file_is_refused(device):
    assert "not a regular file" in _error(load_weights, Path(device))
