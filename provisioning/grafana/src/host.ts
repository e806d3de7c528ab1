// Host: what "Node Exporter Full" is used for — CPU, load, memory, disks, network, time — on
// node-exporter's metrics, per server (the `host` label every OpsDeck target carries).
import { dashboardFor } from "@opsdeck/contracts/dashboards";
import { labelVariable, opsdeckDashboard, prometheusVariable, statPanel, timeSeries } from "./panels.ts";

const h = 'host=~"$host", job=~"$job"';
/** Filesystems worth watching: not memory-backed or image layers. */
const fs = `${h}, fstype!~"tmpfs|ramfs|devtmpfs|overlay|squashfs|nsfs|autofs|fuse.lxcfs"`;
/** Disks worth watching: not loop devices, RAM disks or device-mapper aliases of a real disk. */
const disk = `${h}, device!~"loop.*|ram.*|zram.*|fd.*|sr.*"`;
/** Network interfaces worth watching: not loopback or container bridges. */
const nic = `${h}, device!~"lo|veth.*|docker.*|br-.*|cni.*|flannel.*|ifb.*"`;
const cores = `count by (host) (node_cpu_seconds_total{${h}, mode="idle"})`;

export const host = () =>
  opsdeckDashboard(dashboardFor("/system")!, {
    description: "CPU, load, memory, disks, network and time of every server node-exporter watches.",
    variables: [
      prometheusVariable(),
      labelVariable("job", "Job", "label_values(node_uname_info, job)"),
      labelVariable("host", "Host", 'label_values(node_uname_info{job=~"$job"}, host)'),
    ],
    sections: [
      [
        "Overview",
        [
          statPanel({
            title: "Uptime",
            description: "Since the server last booted.",
            unit: "s",
            queries: [[`time() - node_boot_time_seconds{${h}}`, "{{host}}"]],
            span: 4,
          }),
          statPanel({
            title: "CPU cores",
            description: "Logical CPUs the kernel sees.",
            unit: "short",
            queries: [[cores, "{{host}}"]],
            span: 3,
          }),
          statPanel({
            title: "CPU busy",
            description: "Share of CPU time not idle, all cores.",
            unit: "percentunit",
            queries: [
              [`1 - avg by (host) (rate(node_cpu_seconds_total{${h}, mode="idle"}[$__rate_interval]))`, "{{host}}"],
            ],
            steps: [
              [null, "green"],
              [0.8, "orange"],
              [0.95, "red"],
            ],
            span: 4,
            graph: true,
          }),
          statPanel({
            title: "Load per core",
            description: "1-minute load average divided by the number of cores; above 1 means work waits for a CPU.",
            unit: "short",
            decimals: 2,
            queries: [[`node_load1{${h}} / on (host) ${cores}`, "{{host}}"]],
            steps: [
              [null, "green"],
              [1, "orange"],
              [2, "red"],
            ],
            span: 3,
          }),
          statPanel({
            title: "Memory used",
            description: "Memory not available to new work (MemAvailable accounts for reclaimable cache).",
            unit: "percentunit",
            queries: [[`1 - node_memory_MemAvailable_bytes{${h}} / node_memory_MemTotal_bytes{${h}}`, "{{host}}"]],
            steps: [
              [null, "green"],
              [0.85, "orange"],
              [0.95, "red"],
            ],
            span: 3,
            graph: true,
          }),
          statPanel({
            title: "Root disk used",
            description: "Space used on the root filesystem, as non-root users see it (reserved blocks count as used).",
            unit: "percentunit",
            queries: [
              [
                `1 - node_filesystem_avail_bytes{${h}, mountpoint="/"} / node_filesystem_size_bytes{${h}, mountpoint="/"}`,
                "{{host}}",
              ],
            ],
            steps: [
              [null, "green"],
              [0.8, "orange"],
              [0.9, "red"],
            ],
            span: 4,
          }),
          statPanel({
            title: "Clock offset",
            description: "How far the kernel thinks its clock is off (NTP); alerts fire beyond 50 ms.",
            unit: "s",
            queries: [[`node_timex_offset_seconds{${h}}`, "{{host}}"]],
            steps: [
              [null, "green"],
              [0.05, "red"],
            ],
            span: 3,
          }),
        ],
      ],
      [
        "CPU",
        [
          timeSeries({
            title: "CPU busy by mode",
            description:
              "Share of all cores spent in each mode; iowait is time waiting for disks, steal is time the hypervisor gave away.",
            unit: "percentunit",
            stack: true,
            min: 0,
            max: 1,
            queries: [
              [
                `sum by (host, mode) (rate(node_cpu_seconds_total{${h}, mode!="idle"}[$__rate_interval])) / on (host) group_left ${cores}`,
                "{{host}} {{mode}}",
              ],
            ],
          }),
          timeSeries({
            title: "Load per core",
            description: "Load averages over 1, 5 and 15 minutes divided by the cores.",
            unit: "short",
            min: 0,
            queries: [
              [`node_load1{${h}} / on (host) ${cores}`, "{{host}} 1m"],
              [`node_load5{${h}} / on (host) ${cores}`, "{{host}} 5m"],
              [`node_load15{${h}} / on (host) ${cores}`, "{{host}} 15m"],
            ],
          }),
          timeSeries({
            title: "Context switches and interrupts",
            description: "Per second; a jump with flat CPU often means lock contention or a noisy device.",
            unit: "ops",
            queries: [
              [`rate(node_context_switches_total{${h}}[$__rate_interval])`, "{{host}} context switches"],
              [`rate(node_intr_total{${h}}[$__rate_interval])`, "{{host}} interrupts"],
            ],
          }),
          timeSeries({
            title: "Processes",
            description:
              "Runnable and blocked (waiting for I/O) processes; blocked above the core count means disk trouble.",
            unit: "short",
            queries: [
              [`node_procs_running{${h}}`, "{{host}} running"],
              [`node_procs_blocked{${h}}`, "{{host}} blocked"],
            ],
          }),
        ],
      ],
      [
        "Memory",
        [
          timeSeries({
            title: "Memory",
            description: "Used by processes, kept as reclaimable cache and buffers, and free.",
            unit: "bytes",
            stack: true,
            min: 0,
            queries: [
              [`node_memory_MemTotal_bytes{${h}} - node_memory_MemAvailable_bytes{${h}}`, "{{host}} used"],
              [`node_memory_MemAvailable_bytes{${h}} - node_memory_MemFree_bytes{${h}}`, "{{host}} cache and buffers"],
              [`node_memory_MemFree_bytes{${h}}`, "{{host}} free"],
            ],
          }),
          timeSeries({
            title: "Swap",
            description: "Swap in use; steady use is fine, growth means memory pressure.",
            unit: "bytes",
            min: 0,
            queries: [
              [`node_memory_SwapTotal_bytes{${h}} - node_memory_SwapFree_bytes{${h}}`, "{{host}} used"],
              [`node_memory_SwapTotal_bytes{${h}}`, "{{host}} total"],
            ],
          }),
          timeSeries({
            title: "Major page faults",
            description: "Pages read back from disk per second — the cost of memory pressure.",
            unit: "ops",
            queries: [[`rate(node_vmstat_pgmajfault{${h}}[$__rate_interval])`, "{{host}}"]],
          }),
          timeSeries({
            title: "OOM kills",
            description: "Processes the kernel killed for lack of memory.",
            unit: "short",
            bars: true,
            queries: [[`increase(node_vmstat_oom_kill{${h}}[$__rate_interval])`, "{{host}}"]],
          }),
        ],
      ],
      [
        "Disks",
        [
          timeSeries({
            title: "Space used",
            description: "Per filesystem, as non-root users see it.",
            unit: "percentunit",
            min: 0,
            max: 1,
            queries: [
              [`1 - node_filesystem_avail_bytes{${fs}} / node_filesystem_size_bytes{${fs}}`, "{{host}} {{mountpoint}}"],
            ],
          }),
          timeSeries({
            title: "Free space in 24 h (linear prediction)",
            description:
              "Free space a day from now if the last 6 hours' trend goes on; below zero, the disk fills within the day (HostDiskWillFillIn24h).",
            unit: "bytes",
            queries: [[`predict_linear(node_filesystem_avail_bytes{${fs}}[6h], 24 * 3600)`, "{{host}} {{mountpoint}}"]],
          }),
          timeSeries({
            title: "Disk throughput",
            description: "Bytes read (up) and written (down) per second, per device.",
            unit: "Bps",
            queries: [
              [`rate(node_disk_read_bytes_total{${disk}}[$__rate_interval])`, "{{host}} {{device}} read"],
              [`-rate(node_disk_written_bytes_total{${disk}}[$__rate_interval])`, "{{host}} {{device}} write"],
            ],
          }),
          timeSeries({
            title: "Disk IOPS",
            description: "Reads (up) and writes (down) completed per second.",
            unit: "iops",
            queries: [
              [`rate(node_disk_reads_completed_total{${disk}}[$__rate_interval])`, "{{host}} {{device}} reads"],
              [`-rate(node_disk_writes_completed_total{${disk}}[$__rate_interval])`, "{{host}} {{device}} writes"],
            ],
          }),
          timeSeries({
            title: "Disk busy",
            description: "Share of time the device had I/O in flight; near 100% it is the bottleneck.",
            unit: "percentunit",
            min: 0,
            max: 1,
            queries: [[`rate(node_disk_io_time_seconds_total{${disk}}[$__rate_interval])`, "{{host}} {{device}}"]],
          }),
          timeSeries({
            title: "File descriptors",
            description: "Open file handles as a share of the kernel's limit.",
            unit: "percentunit",
            min: 0,
            queries: [[`node_filefd_allocated{${h}} / node_filefd_maximum{${h}}`, "{{host}}"]],
          }),
        ],
      ],
      [
        "Network",
        [
          timeSeries({
            title: "Network traffic",
            description: "Received (up) and transmitted (down) per interface, in bits per second.",
            unit: "bps",
            queries: [
              [`rate(node_network_receive_bytes_total{${nic}}[$__rate_interval]) * 8`, "{{host}} {{device}} rx"],
              [`-rate(node_network_transmit_bytes_total{${nic}}[$__rate_interval]) * 8`, "{{host}} {{device}} tx"],
            ],
          }),
          timeSeries({
            title: "Network errors and drops",
            description: "Packets per second the interface could not receive or send (HostNetworkErrors).",
            unit: "pps",
            queries: [
              [`rate(node_network_receive_errs_total{${nic}}[$__rate_interval])`, "{{host}} {{device}} rx errors"],
              [`rate(node_network_transmit_errs_total{${nic}}[$__rate_interval])`, "{{host}} {{device}} tx errors"],
              [`rate(node_network_receive_drop_total{${nic}}[$__rate_interval])`, "{{host}} {{device}} rx drops"],
              [`rate(node_network_transmit_drop_total{${nic}}[$__rate_interval])`, "{{host}} {{device}} tx drops"],
            ],
          }),
          timeSeries({
            title: "TCP connections",
            description: "Established connections and sockets waiting to close.",
            unit: "short",
            queries: [
              [`node_netstat_Tcp_CurrEstab{${h}}`, "{{host}} established"],
              [`node_sockstat_TCP_tw{${h}}`, "{{host}} time-wait"],
            ],
          }),
        ],
      ],
    ],
  });
