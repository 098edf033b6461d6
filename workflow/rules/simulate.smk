# Ground truth: simulate chunks of control values (many values per job), then merge per split.


rule simulate_chunk:
    output:
        directory("results/{dataset}/truth/chunks/{split}-{chunk}.zarr"),
    params:
        settings=simulation_settings,
        values=chunk_values,
    # one thread: a chunk's trajectories are independent (the same bits on any thread count), and on
    # a few cores the stage is start-up bound, so jobs side by side finish it sooner than threads
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/simulate_chunk/{split}-{chunk}.log",
    script:
        "../scripts/simulate_chunk.py"


rule merge_truth:
    input:
        truth_chunks,
    output:
        directory("results/{dataset}/truth/{split}.zarr"),
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../envs/neurorecon.yaml"
    log:
        "logs/{dataset}/merge_truth/{split}.log",
    script:
        "../scripts/merge_truth.py"
