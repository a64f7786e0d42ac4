"""Readers (→ `Record` in m/s²), the Zarr store and exporters.

    seisdiff.io.read(path, units=None, quantity=None) -> list[Record]
        # AT2, 15 networks' native formats (io/formats), ObsPy formats, old .npz; m/s²
    seisdiff.io.open_store(path, mode="r")                  # Store (read) / StoreWriter ("a")
"""
from seisdiff.io.readers import find_inputs, read
from seisdiff.io.record import Record
from seisdiff.io.store import create_store, open_store

__all__ = ["Record", "read", "find_inputs", "open_store", "create_store"]
