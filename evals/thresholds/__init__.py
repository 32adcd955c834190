"""Threshold files (`<brain>.toml`) and the gate that fails a run below them."""
