"""Training: the networks, the EfficientNet-Lite0 port, ab quantisation, data and the train loop."""
