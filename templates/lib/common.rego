# Shared access to the reviewed object: where its pod spec lives, its containers, and how to name it in messages.
package lib.common

# Kinds that carry a pod spec, and the path to it. A kind not listed falls back to `spec`, so an unknown
# workload kind is still checked (fail closed) instead of passing unchecked.
pod_spec_paths := {
	"Pod": ["spec"],
	"PodTemplate": ["template", "spec"],
	"Deployment": ["spec", "template", "spec"],
	"StatefulSet": ["spec", "template", "spec"],
	"DaemonSet": ["spec", "template", "spec"],
	"ReplicaSet": ["spec", "template", "spec"],
	"ReplicationController": ["spec", "template", "spec"],
	"Job": ["spec", "template", "spec"],
	"CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
}

review_object := object.get(input, ["review", "object"], {})

kind := k if {
	k := input.review.kind.kind
	k != ""
} else := object.get(review_object, "kind", "")

# True for DELETE requests, which no check rejects.
is_delete if input.review.operation == "DELETE"

spec_path := object.get(pod_spec_paths, kind, ["spec"])

# Dotted form of spec_path, used to point messages at a field ("spec.template.spec").
spec_prefix := "spec" if {
	input.review.kind.kind == "Pod"
} else := "spec.template.spec" if {
	input.review.kind.kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"}
} else := concat(".", spec_path)

# Kinds whose pod template sits at spec.template.
template_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"}

# The object at spec_path, {} when absent. Every check reads it on every review, so it is one direct reference per
# kind rather than a lookup of the path followed by a walk along it; Pods and pod templates are first found from the
# review's kind alone (the kind rule is then not evaluated at all), anything else by the full rule below.
pod_spec := s if {
	input.review.kind.kind == "Pod"
	s := input.review.object.spec
} else := s if {
	input.review.kind.kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"}
	s := input.review.object.spec.template.spec
} else := s if {
	kind == "Pod"
	s := input.review.object.spec
} else := s if {
	kind in template_kinds
	s := input.review.object.spec.template.spec
} else := s if {
	kind == "CronJob"
	s := input.review.object.spec.jobTemplate.spec.template.spec
} else := s if {
	kind == "PodTemplate"
	s := input.review.object.template.spec
} else := s if {
	not pod_spec_paths[kind]
	s := input.review.object.spec
} else := {}

# Metadata of the pod (for a workload, of its pod template).
pod_metadata := m if {
	input.review.kind.kind == "Pod"
	m := input.review.object.metadata
} else := m if {
	input.review.kind.kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"}
	m := input.review.object.spec.template.metadata
} else := m if {
	kind == "Pod"
	m := input.review.object.metadata
} else := m if {
	kind in template_kinds
	m := input.review.object.spec.template.metadata
} else := m if {
	kind == "CronJob"
	m := input.review.object.spec.jobTemplate.spec.template.metadata
} else := m if {
	kind == "PodTemplate"
	m := input.review.object.template.metadata
} else := m if {
	not pod_spec_paths[kind]
	m := input.review.object.metadata
} else := {}

# Dotted path of the pod's metadata ("metadata", or "spec.template.metadata" for a workload), for messages.
metadata_prefix := "metadata" if {
	kind == "Pod"
} else := "spec.template.metadata" if {
	input.review.kind.kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"}
} else := concat(".", array.concat(array.slice(spec_path, 0, count(spec_path) - 1), ["metadata"]))

pod_labels := object.get(pod_metadata, "labels", {})

pod_annotations := object.get(pod_metadata, "annotations", {})

namespace := ns if {
	ns := input.review.namespace
	ns != ""
} else := object.get(review_object, ["metadata", "namespace"], "")

name := n if {
	n := input.review.object.metadata.name
	n != ""
} else := concat("", [object.get(review_object, ["metadata", "generateName"], ""), "*"])

# "Pod team-a/web", or "ClusterRole admin" for cluster-scoped objects.
object_ref := sprintf("%s %s/%s", [kind, namespace, name]) if namespace != ""

else := sprintf("%s %s", [kind, name])

container_fields := ["containers", "initContainers", "ephemeralContainers"]

# Every container of the pod spec, with where it sits: {"container": <the container>, "field": "initContainers", "index": 0}.
# An array, not a set: a set would hash every container to deduplicate entries that cannot repeat. The field path is
# formatted only for a container that violates (path(entry)), never up front. The Pod Security checks, which run on
# every Pod and workload, do not build it: they test each container where it sits (some field in container_fields;
# some i, c in pod_spec[field]) and make an entry (entry(field, i, c)) only for one that fails the test.
containers := [{"container": c, "field": field, "index": i} |
	some field in container_fields
	some i, c in pod_spec[field]
]

# "spec.template.spec.initContainers[0]".
path(entry) := sprintf("%s.%s[%d]", [spec_prefix, entry.field, entry.index])

# "Pod team-a/web, init container "setup"".
container_subject(entry) := sprintf("%s, %s %q", [
	object_ref,
	object.get({"containers": "container", "initContainers": "init container", "ephemeralContainers": "ephemeral container"}, entry.field, entry.field),
	entry.container.name,
])

# Windows pods cannot set Linux-only security fields, so the Linux-only checks exempt them (as PSA does since 1.25).
is_windows_pod if pod_spec.os.name == "windows"

# A check gives at most this many offending items a violation each, and the last of them says how many more there
# are: a Pod with thousands of offending containers is still answered well inside the webhook timeout, and the CEL
# code reports the same way (a CEL validation yields one violation).
max_reported := 4

# The items to report, with their indices: one builtin call, whatever the number of items.
first_reported(items) := array.slice(items, 0, max_reported)

# Indices of the items to report out of n.
reported_indices(n) := numbers.range(0, min([n, max_reported]) - 1) if n > 0

else := []

# msg, with " (and N more)" on the last reported item of n.
reported(i, n, msg) := sprintf("%s (and %d more)", [msg, n - max_reported]) if {
	n > max_reported
	i == max_reported - 1
} else := msg
