"""What the corpus generators (make-*.py) share: writing their samples."""
import os


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
