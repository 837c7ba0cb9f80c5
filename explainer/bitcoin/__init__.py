"""The seed's first example: bitcoin and ether prices, offline, on our LSTM and on Keras."""
