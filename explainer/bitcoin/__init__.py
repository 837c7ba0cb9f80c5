"""The bitcoin example: bitcoin and ether prices, offline, on our LSTM and on Keras.

:func:`explainer.bitcoin.app.run` runs it end to end; ``lstm-explainer bitcoin`` is its command.
"""

from ..extras import require

require("bitcoin", "pandas", "matplotlib", "markdown_it", "tabulate")
