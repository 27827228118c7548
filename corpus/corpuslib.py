"""What the corpus generators (make-*.py) share: writing their samples."""
import io
import os
import zipfile

# The date every generated zip member carries, so that a run makes the same bytes.
FIXED_TIME = (2024, 4, 1, 9, 0, 0)


def write_samples(samples, out, seeds, seed_if, verbose=False):
    """Each sample (name -> bytes) into out, sorted by name, and those for
    which seed_if(name, data) holds into seeds too (the fuzzers' starting
    points); with verbose, a line per sample with its size."""
    os.makedirs(out, exist_ok=True)
    os.makedirs(seeds, exist_ok=True)
    for name, data in sorted(samples.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        if seed_if(name, data):
            with open(os.path.join(seeds, name), "wb") as f:
                f.write(data)
        if verbose:
            print(f"{name}: {len(data)} bytes")


def make_zip(members, comment=b""):
    """A zip of members, a list of (name, bytes or str, stored?), each dated
    FIXED_TIME with mode 0644."""
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        for name, data, stored in members:
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
        z.comment = comment
    return b.getvalue()
