"""Runs one msticpy 3.0.2 workload on a file and prints its timings as one JSON line.

Called by bench/run.py with the throwaway venv's Python:
    python msticpy_runner.py WORKLOAD FILE REPEAT
Only the library call is timed (not the import, not reading the file), the same span the
huntbook CLI reports with --timing.
"""

import json
import resource
import statistics
import sys
import time
import warnings

warnings.filterwarnings("ignore")


def _ioc_text(path):
    from msticpy.transform.iocextract import IoCExtract

    text = open(path, encoding="utf-8").read()
    extractor = IoCExtract()

    def run():
        found = extractor.extract(src=text)
        return sum(len(values) for values in found.values())

    return run


def _ioc_rows(path):
    import pandas as pd
    from msticpy.transform.iocextract import IoCExtract

    frame = pd.read_csv(path)
    extractor = IoCExtract()
    return lambda: len(extractor.extract(data=frame, columns=["CommandLine"]))


def _b64(path):
    import pandas as pd
    from msticpy.transform.base64unpack import unpack_df

    frame = pd.read_csv(path)
    return lambda: len(unpack_df(data=frame, column="CommandLine"))


def _proctree(path):
    import pandas as pd
    from msticpy.transform.proc_tree_builder import build_process_tree
    from msticpy.transform.proc_tree_schema import WIN_EVENT_SCH

    frame = pd.read_csv(path, parse_dates=["TimeGenerated"])
    return lambda: len(build_process_tree(frame, schema=WIN_EVENT_SCH))


def _anomseq(path):
    import pandas as pd
    from msticpy.analysis.anomalous_sequence.anomalous import score_sessions

    frame = pd.read_json(path, lines=True)
    return lambda: len(score_sessions(data=frame, session_column="session", window_length=3))


def _stl(path):
    import pandas as pd
    from msticpy.analysis.timeseries import timeseries_anomalies_stl

    frame = pd.read_csv(path, parse_dates=["TimeGenerated"])
    return lambda: len(timeseries_anomalies_stl(
        frame, time_column="TimeGenerated", data_column="TotalBytesSent", period=24,
        seasonal=7, score_threshold=3.0))


CLUSTER_COLUMNS = ["commandlineTokensFull", "pathScore", "isSystemSession"]
# Same as run.py: at 0.01 every synthetic event falls into one cluster (pathScore dominates the
# normalised rows); 0.0001 gives a few dozen clusters, as on real process events.
CLUSTER_EPS = 0.0001


def _cluster(path):
    import pandas as pd
    from msticpy.analysis.eventcluster import add_process_features, dbcluster_events

    frame = pd.read_csv(path, parse_dates=["TimeGenerated"])

    def run():
        features = add_process_features(input_frame=frame)
        clustered, _, _ = dbcluster_events(
            data=features, cluster_columns=CLUSTER_COLUMNS,
            max_cluster_distance=CLUSTER_EPS, min_cluster_samples=2,
            time_column="TimeGenerated")
        return len(clustered)

    return run


def _geoip(path):
    """GeoLiteLookup on a MaxMind-format city database copied into a temp folder.

    The runner is given the folder in HUNTBOOK_BENCH_GEOIP_FOLDER (run.py copies the shared
    DB-IP database there as GeoLite2-City.mmdb). If geoip2 refuses the database layout the
    error is reported as the result and run.py shows the row as huntbook-only.
    """
    import os

    import pandas as pd
    from msticpy.context.geoip import GeoLiteLookup

    frame = pd.read_csv(path)
    lookup = GeoLiteLookup(db_folder=os.environ["HUNTBOOK_BENCH_GEOIP_FOLDER"],
                           auto_update=False)
    lookup.lookup_ip(ip_address="8.8.8.8")  # fails here when geoip2 rejects the layout
    return lambda: len(lookup.df_lookup_ip(frame, column="ip"))


WORKLOADS = {"ioc_text": _ioc_text, "ioc_rows": _ioc_rows, "b64": _b64,
             "proctree": _proctree, "anomseq": _anomseq, "stl": _stl, "cluster": _cluster,
             "geoip": _geoip}


def main():
    workload, path, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
    try:
        run = WORKLOADS[workload](path)
    except Exception as err:  # noqa: BLE001 - reported to run.py, which shows the row as n/a
        print(json.dumps({"unsupported": f"{type(err).__name__}: {err}"}))
        return
    times, count = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        count = run()
        times.append(time.perf_counter() - start)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"median_s": statistics.median(times), "times": times, "count": count,
                      "peak_rss_kb": peak_kb}))


if __name__ == "__main__":
    main()
