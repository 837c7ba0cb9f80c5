"""Make the PyTorch golden files the test suite compares against (run once; needs torch).

    python -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch==2.13.0 safetensors numpy
    /tmp/torchenv/bin/python scripts/make_torch_golden.py

For each case it builds a small ``nn.LSTM`` or ``nn.GRU`` (+ ``nn.Linear``) with a fixed seed, saves its
``state_dict()`` with ``safetensors.torch.save_file`` exactly as a PyTorch user would, and saves
the inputs and PyTorch's outputs beside it (``<case>_io.npz``). The suite reads these files
without torch.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from torch import nn

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "torch"


class Net(nn.Module):
    """An LSTM read out by a Linear layer, in one of the three ways PyTorch code usually does."""

    def __init__(self, input_size, hidden, num_layers, bidirectional, batch_first, bias, readout, out,
                 cell="lstm"):
        super().__init__()
        rnn = nn.GRU if cell == "gru" else nn.LSTM
        self.encoder = rnn(input_size, hidden, num_layers=num_layers, bidirectional=bidirectional,
                           batch_first=batch_first, bias=bias)
        self.head = nn.Linear(hidden * (2 if bidirectional else 1), out)
        self.batch_first, self.bidirectional, self.readout = batch_first, bidirectional, readout

    def forward(self, x):
        seq, state = self.encoder(x)
        h_n = state[0] if isinstance(state, tuple) else state  # an LSTM returns (h_n, c_n), a GRU h_n
        if self.readout == "sequence":  # Linear on every step
            return self.head(seq)
        # final hidden state of the top layer, both directions side by side (Keras's Bidirectional concat)
        last = torch.cat([h_n[-2], h_n[-1]], dim=1) if self.bidirectional else h_n[-1]
        return self.head(last)


CASES = {
    "uni_last": dict(input_size=3, hidden=5, num_layers=1, bidirectional=False, batch_first=True, bias=True,
                     readout="last_state", out=2),
    "stacked_bidirectional_time_major": dict(input_size=4, hidden=3, num_layers=2, bidirectional=True,
                                             batch_first=False, bias=True, readout="last_state", out=1),
    "no_bias_sequence": dict(input_size=2, hidden=4, num_layers=2, bidirectional=False, batch_first=True,
                             bias=False, readout="sequence", out=3),
    # nn.GRU: the reset-after form with two biases, gate order r, z, n
    "gru_last": dict(input_size=3, hidden=5, num_layers=1, bidirectional=False, batch_first=True, bias=True,
                     readout="last_state", out=2, cell="gru"),
    "gru_stacked_time_major_sequence": dict(input_size=4, hidden=3, num_layers=2, bidirectional=False,
                                            batch_first=False, bias=True, readout="sequence", out=1, cell="gru"),
    "gru_no_bias": dict(input_size=2, hidden=4, num_layers=1, bidirectional=False, batch_first=True, bias=False,
                        readout="last_state", out=1, cell="gru"),
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for k, (name, cfg) in enumerate(CASES.items()):
        torch.manual_seed(k)
        net = Net(**cfg).double()
        with torch.no_grad():  # biases away from zero so that both bias vectors matter
            for p in net.parameters():
                p.add_(0.3 * torch.randn_like(p))
                p.copy_(p.float().double())  # the file holds float32: compute with exactly those values
        batch, steps = 3, 6
        x = torch.randn(batch, steps, cfg["input_size"], dtype=torch.float64).float().double()
        x_in = x if cfg["batch_first"] else x.transpose(0, 1)
        with torch.no_grad():
            y = net(x_in)
            seq, state = net.encoder(x_in)
        h_n, c_n = state if isinstance(state, tuple) else (state, torch.zeros(0))
        if not cfg["batch_first"]:
            seq = seq.transpose(0, 1)
            if cfg["readout"] == "sequence":
                y = y.transpose(0, 1)
        state = {k: v.float().contiguous() for k, v in net.state_dict().items()}
        save_file(state, OUT / f"{name}.safetensors")
        np.savez(OUT / f"{name}_io.npz", x=x.numpy().astype(np.float32), y=y.numpy(), sequence=seq.numpy(),
                 h_n=h_n.numpy(), c_n=c_n.numpy(), config=np.array(json.dumps(cfg)))
        print(name, {k: tuple(v.shape) for k, v in state.items()})
    # projections (proj_size > 0) have no Keras counterpart: a file to test the refusal
    torch.manual_seed(9)
    proj = nn.LSTM(3, 4, proj_size=2, batch_first=True)
    save_file({k: v.contiguous() for k, v in proj.state_dict().items()}, OUT / "projected.safetensors")


if __name__ == "__main__":
    main()
