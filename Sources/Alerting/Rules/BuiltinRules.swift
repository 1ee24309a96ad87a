/// Sextant's built-in alerting rules, loaded by the server beside `rule_files` while
/// `collector.builtin_rules` is on (the default), under the file name ``fileName``.
///
/// They watch the series Sextant writes itself, so a fresh install alerts without any rule
/// file of its own:
///
/// - the host collector's node-exporter series (`node_cpu_seconds_total`,
///   `node_memory_MemAvailable_bytes`, `node_memory_MemTotal_bytes`,
///   `node_filesystem_{avail,size}_bytes`, `node_filesystem_readonly`), which scraped
///   node-exporters give as well: `HostCPUSaturated`, `HostMemoryPressure`,
///   `HostDiskFillingUp`, `HostDiskAlmostFull`;
/// - scrape health, `up`: `TargetDown`;
/// - the VM stats collector's `sextant_vm_up` (1 while the provider reports the VM running,
///   0 otherwise): `VMStoppedUnexpectedly`, which fires for a VM that stopped after running
///   in the last 15 minutes. It cannot tell a crash from a deliberate stop, and clears 15
///   minutes after the VM was last seen running even if it stays stopped;
/// - the jobs module's `sextant_job_last_execution_success{job_name="…"}`, a gauge written
///   at every collection (not only after an execution, or it goes stale after the lookback
///   delta): 1 when the job's latest execution succeeded, 0 when it failed: `JobFailing`.
///
/// The text is a Prometheus rule file: `promtool check rules` accepts it, and
/// `Tests/AlertingTests/testdata/builtin_rules.yml` holds a copy that promtool's rule unit
/// tests and Sextant's run against (a test keeps the two equal).
public enum BuiltinRules {
    /// The file name the built-in groups carry, in `/api/v1/rules` and in errors.
    public static let fileName = "<builtin>"

    /// The rule file.
    public static let yaml: String = #"""
    # Sextant's built-in alerting rules, over the series Sextant writes itself: the host
    # collector's node-exporter series (job="node"), scrape health (up), the VM stats
    # collector (sextant_vm_*) and the jobs module (sextant_job_*). Turn them off with
    # collector.builtin_rules: false.
    groups:
      - name: sextant-host
        rules:
          - alert: HostCPUSaturated
            expr: 1 - avg without (cpu) (sum without (mode) (rate(node_cpu_seconds_total{mode=~"idle|iowait|steal"}[5m]))) > 0.9
            for: 10m
            labels:
              severity: warning
            annotations:
              summary: "CPU saturated on {{ $labels.instance }}"
              description: "{{ $labels.instance }} has been {{ $value | humanizePercentage }} busy over all its CPUs (time neither idle, in I/O wait nor stolen; 5m rate) for more than 10 minutes."
          - alert: HostMemoryPressure
            expr: node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.1
            for: 5m
            labels:
              severity: warning
            annotations:
              summary: "Memory pressure on {{ $labels.instance }}"
              description: "{{ $labels.instance }} has had less than 10% of its memory available for more than 5 minutes; {{ $value | humanizePercentage }} is available now."
          - alert: HostDiskFillingUp
            expr: node_filesystem_avail_bytes{fstype!~"tmpfs|ramfs"} / node_filesystem_size_bytes < 0.2 and predict_linear(node_filesystem_avail_bytes{fstype!~"tmpfs|ramfs"}[6h], 24 * 3600) < 0 and node_filesystem_readonly == 0
            for: 30m
            labels:
              severity: warning
            annotations:
              summary: "Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} is filling up"
              description: "{{ $labels.mountpoint }} ({{ $labels.device }}) on {{ $labels.instance }} has {{ $value | humanizePercentage }} of its space left and, at the rate of the last 6 hours, will be full within 24 hours."
          - alert: HostDiskAlmostFull
            expr: node_filesystem_avail_bytes{fstype!~"tmpfs|ramfs"} / node_filesystem_size_bytes < 0.05 and node_filesystem_readonly == 0
            for: 5m
            labels:
              severity: critical
            annotations:
              summary: "Filesystem {{ $labels.mountpoint }} on {{ $labels.instance }} is almost full"
              description: "{{ $labels.mountpoint }} ({{ $labels.device }}) on {{ $labels.instance }} has only {{ $value | humanizePercentage }} of its space left."
      - name: sextant-targets
        rules:
          - alert: TargetDown
            expr: up == 0
            for: 5m
            labels:
              severity: warning
            annotations:
              summary: "Target {{ $labels.instance }} of job {{ $labels.job }} is down"
              description: "Scrapes of {{ $labels.instance }} (job {{ $labels.job }}) have been failing for more than 5 minutes."
      - name: sextant-vms
        rules:
          - alert: VMStoppedUnexpectedly
            expr: sextant_vm_up == 0 and max_over_time(sextant_vm_up[15m]) == 1
            for: 1m
            labels:
              severity: critical
            annotations:
              summary: "VM {{ $labels.vm }} on {{ $labels.host }} stopped"
              description: "VM {{ $labels.vm }} ({{ $labels.vm_id }}, provider {{ $labels.provider }}) on {{ $labels.host }} was running within the last 15 minutes and is now stopped. The alert clears when the VM runs again, or 15 minutes after it was last seen running."
      - name: sextant-jobs
        rules:
          - alert: JobFailing
            expr: sextant_job_last_execution_success == 0
            labels:
              severity: warning
            annotations:
              summary: "Job {{ $labels.job_name }} is failing"
              description: "The last execution of job {{ $labels.job_name }} failed (sextant_job_last_execution_success is 0). It clears after an execution succeeds."

    """#
}
