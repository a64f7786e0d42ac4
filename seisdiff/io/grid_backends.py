"""Backends of the station-grid reader (`seisdiff.io.grid`): Zarr (v3/v2), HDF5 / NetCDF-4 (h5py) and
NetCDF-3 classic (scipy, memory-mapped) seen alike — arrays by lower-case name (members of a station
subgroup as 'group/name'), each with its shape, dtype, plain attributes, dimension names and slicing.
No array is read until asked for.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from seisdiff.errors import InputError

STATION_GROUPS = ("", "stations", "station_table")   # where a station table may live: root or a subgroup
NETCDF_DIM_ONLY = "This is a netCDF dimension but not a netCDF variable"    # NAME of a dimension without values


class Node:
    """One array of a backend: shape, attrs (plain Python values), dims (names or None), slicing.
    dim_aliases: per dimension every name it goes by (an HDF5 dimension's label, its scale's NAME and the
    scale dataset's name), the first being its entry in dims; None where each has only that one.
    dim_scales: per dimension the Node of the HDF5 dimension scale attached to it (its values), or None;
    None where no dimension has one."""

    def __init__(self, name, obj, attrs, dims, dim_aliases=None, dim_scales=None):
        self.name, self.obj, self.attrs, self.dims = name, obj, attrs, dims
        self.dim_aliases, self.dim_scales = dim_aliases, dim_scales

    @property
    def shape(self):
        return tuple(int(s) for s in self.obj.shape)

    @property
    def dtype(self):
        return np.dtype(self.obj.dtype) if not hasattr(self.obj, "typecode") else self.obj.data.dtype

    def read(self, key=slice(None)):
        return np.array(self.obj[key])   # a copy: NetCDF-3 variables are views of a memory map


def plain(value):
    """Attribute value → str / float / list (bytes decoded, 0-d and 1-element arrays unwrapped)."""
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf-8", "replace").strip("\x00").strip()
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "SU" or value.dtype == object:
            items = [plain(v) for v in value.ravel().tolist()]
            return items[0] if len(items) == 1 else items
        return value.item() if value.size == 1 else value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def as_strings(values) -> np.ndarray:
    """Array of names (bytes, str, object, StringDType, or NetCDF char arrays (n, strlen)) → (n,) str."""
    a = np.asarray(values)
    if a.dtype.kind == "S" and a.ndim == 2 and a.dtype.itemsize == 1:   # NetCDF char array
        a = np.array([b"".join(row).decode("utf-8", "replace") for row in a])
    elif a.dtype.kind == "U" and a.ndim == 2 and a.dtype.itemsize == 4:
        a = np.array(["".join(row) for row in a])
    return np.array([plain(v) if isinstance(v, (bytes, np.bytes_)) else str(v) for v in a.ravel().tolist()],
                    dtype=str).reshape(a.shape[:1] if a.ndim else (1,))


class Backend:
    path: Path
    attrs: dict
    groups: tuple | list = ()     # the root's subgroups other than a station table's: their arrays are not read

    def nodes(self) -> dict[str, Node]:
        """Arrays by lower-case name; subgroup members as 'group/name'."""
        raise NotImplementedError

    def close(self):
        pass


class _ZarrBackend(Backend):
    def __init__(self, path: Path):
        import zarr

        from seisdiff.io.store import refuse_unreadable_group

        self.path = path
        refuse_unreadable_group(path)        # else taken for no Zarr group
        self.group = zarr.open_group(str(path), mode="r")
        self.attrs = {str(k): plain(v) for k, v in self.group.attrs.items()}
        self.groups = [name for name in sorted(self.group.group_keys()) if name.lower() not in STATION_GROUPS]
        self._nodes = {}
        self._collect(self.group, "")

    def _collect(self, group, prefix):
        import zarr

        for name in sorted(group.array_keys() if hasattr(group, "array_keys") else []):
            arr = group[name]
            attrs = {str(k): plain(v) for k, v in arr.attrs.items()}
            dims = getattr(arr.metadata, "dimension_names", None) or attrs.get("_ARRAY_DIMENSIONS")
            self._nodes[(prefix + name).lower()] = Node(prefix + name, arr, attrs, list(dims) if dims else None)
        if not prefix:
            for name in sorted(group.group_keys()):
                if name.lower() in STATION_GROUPS:
                    sub = group[name]
                    if isinstance(sub, zarr.Group):
                        self._collect(sub, name + "/")

    def nodes(self):
        return self._nodes


class _H5Backend(Backend):
    """HDF5 and NetCDF-4 (which is HDF5 with dimension scales)."""

    def __init__(self, path: Path):
        import h5py

        self.path = path
        self.file = h5py.File(str(path), "r")
        self.attrs = {str(k): plain(v) for k, v in self.file.attrs.items()}
        self.groups = [name for name, obj in self.file.items()
                       if isinstance(obj, h5py.Group) and name.lower() not in STATION_GROUPS]
        self._nodes = {}
        self._collect(self.file, "")

    def _collect(self, group, prefix):
        import h5py

        for name, obj in group.items():
            if isinstance(obj, h5py.Dataset):
                attrs = self._attrs(obj)
                if str(attrs.get("NAME", "")).startswith(NETCDF_DIM_ONLY):
                    continue   # a netCDF-4 dimension without coordinate values
                aliases = self._dim_aliases(obj)
                dims = [names[0] if names else "" for names in aliases]
                scales = self._dim_scales(obj)
                self._nodes[(prefix + name).lower()] = Node(prefix + name, obj, attrs, dims if any(dims) else None,
                                                            aliases if any(dims) else None,
                                                            scales if any(scales) else None)
            elif isinstance(obj, h5py.Group) and not prefix and name.lower() in STATION_GROUPS:
                self._collect(obj, name + "/")

    @staticmethod
    def _attrs(ds) -> dict:
        return {str(k): plain(v) for k, v in ds.attrs.items() if k not in ("DIMENSION_LIST", "REFERENCE_LIST")}

    @classmethod
    def _dim_scales(cls, ds) -> list[Node | None]:
        """Per dimension of ds the Node of its first dimension scale (wherever it lies in the file), None for a
        dimension without one or with netCDF-4's placeholder of a dimension without values."""
        found = []
        for dim in ds.dims:
            scale = dim[0] if len(dim) else None
            attrs = cls._attrs(scale) if scale is not None else {}
            if scale is None or str(attrs.get("NAME", "")).startswith(NETCDF_DIM_ONLY):
                found.append(None)
            else:
                found.append(Node(scale.name.lstrip("/"), scale, attrs, None))
        return found

    @staticmethod
    def _dim_aliases(ds) -> list[tuple[str, ...]]:
        """Per dimension of ds the names it goes by, in this order: its label (h5py dims[i].label), the NAME
        its first dimension scale was made with (h5py make_scale(name), netCDF-4; not netCDF-4's placeholder
        of a dimension without values) and that scale dataset's name; () for a dimension without any."""
        found = []
        for dim in ds.dims:
            names = [dim.label]
            if len(dim):
                scale = dim[0]
                given = plain(scale.attrs.get("NAME", ""))
                if isinstance(given, str) and not given.startswith(NETCDF_DIM_ONLY):
                    names.append(given)
                names.append(scale.name.rsplit("/", 1)[-1])
            found.append(tuple(dict.fromkeys(n for n in names if n)))
        return found

    def nodes(self):
        return self._nodes

    def close(self):
        self.file.close()


class _NetCDF3Backend(Backend):
    def __init__(self, path: Path):
        from scipy.io import netcdf_file

        self.path = path
        self.file = netcdf_file(str(path), "r", mmap=True)
        self.attrs = {k.decode() if isinstance(k, bytes) else str(k): plain(v)
                      for k, v in self.file._attributes.items()}
        self._nodes = {}
        for name, var in self.file.variables.items():
            attrs = {str(k): plain(v) for k, v in var._attributes.items()}
            self._nodes[name.lower()] = Node(name, var, attrs, list(var.dimensions))

    def nodes(self):
        return self._nodes

    def close(self):
        for node in self._nodes.values():
            node.obj = None
        self._nodes = {}
        self.file.variables.clear()       # their arrays view the memory map, which closes only without them
        self.file.close()


def file_signature(path: Path) -> str | None:
    """'hdf5' (HDF5 and NetCDF-4), 'netcdf3' (classic or 64-bit offset), 'cdf5' (NetCDF 64-bit data) by
    a file's first bytes; None for anything else (and for folders)."""
    if not path.is_file():
        return None
    with open(path, "rb") as f:
        magic = f.read(8)
    if magic == b"\x89HDF\r\n\x1a\n":
        return "hdf5"
    if magic[:3] == b"CDF" and magic[3:4] in (b"\x01", b"\x02", b"\x05"):
        return "cdf5" if magic[3:4] == b"\x05" else "netcdf3"
    return None


def open_backend(path: Path) -> Backend:
    """The backend of a Zarr group folder, HDF5/NetCDF-4 or NetCDF-3 file; InputError for anything else."""
    if path.is_dir():
        if any((path / f).is_file() for f in ("zarr.json", ".zgroup", ".zattrs")):
            return _ZarrBackend(path)
        raise InputError(path, "a folder that is not a Zarr group (no zarr.json or .zgroup); give a Zarr, "
                               "HDF5 or NetCDF station grid")
    if not path.is_file():
        raise InputError(path, "no such file or folder")
    kind = file_signature(path)
    if kind == "hdf5":
        return _H5Backend(path)
    if kind == "netcdf3":
        return _NetCDF3Backend(path)
    if kind == "cdf5":
        raise InputError(path, "NetCDF-3 64-bit-data (CDF-5) is not supported; convert it with "
                               "`nccopy -k nc4 IN OUT.nc` and pass the NetCDF-4 file")
    raise InputError(path, "not a Zarr group, HDF5 or NetCDF file (unknown signature); write the grid as "
                           "one of those (see seisdiff/io/grid.py for the layout)")


def first_attr(attrs: dict, names) -> tuple[str, object] | tuple[None, None]:
    """(key, value) of the first of `names` (lower case) that `attrs` holds, matched case-insensitively
    and not empty; (None, None) when none is there."""
    lower = {k.lower(): (k, v) for k, v in attrs.items()}
    for name in names:
        if name in lower and lower[name][1] not in (None, ""):
            return lower[name]
    return None, None
