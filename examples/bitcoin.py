#!/usr/bin/env python3
"""The bitcoin example: predict BTC and ETH prices with a 3-layer LSTM.

A thin wrapper over ``lstm-explainer bitcoin``: it trains the classic bitcoin model for each coin on our
NumPy LSTM and on Keras (same initial weights, same batches) and writes a report folder.

    python examples/bitcoin.py                       # the standard configuration (53 epochs, 512 units)
    python examples/bitcoin.py --quick --no-keras    # a quick look, no TensorFlow needed
    python examples/bitcoin.py --help                # every option (all default to the standard values)

The pipeline step by step, to read or to call from your own code, is in
``explainer/bitcoin/pipeline.py`` (``prepare``, ``build_model``, ``fit_ours``, ``fit_keras``).
"""
import sys

from explainer.cli import main

if __name__ == "__main__":
    sys.exit(main(["bitcoin", *sys.argv[1:]]))
