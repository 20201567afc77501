package gatewright.users

import data.lib.common
import data.lib.exception
import data.lib.message
import data.lib.range

params := object.get(input, "parameters", {})

ranges(key) := object.get(params, [key, "ranges"], [])

# Each rule read once per review (a function's result is not cached; a rule's is).
user_rule := object.get(params, ["runAsUser", "rule"], "RunAsAny")

group_rule := object.get(params, ["runAsGroup", "rule"], "RunAsAny")

supplemental_groups_rule := object.get(params, ["supplementalGroups", "rule"], "RunAsAny")

fs_group_rule := object.get(params, ["fsGroup", "rule"], "RunAsAny")

# A workload template may leave fields to be filled in later (DVP skips absent fields on controllers); a Pod may not.
requires_presence if common.kind == "Pod"

pod_sc := sc if {
	sc := common.pod_spec.securityContext
	is_object(sc)
} else := {}

pod_field(key) := sprintf("%s.securityContext.%s", [common.spec_prefix, key])

container_field(entry, key) := sprintf("%s.securityContext.%s", [common.path(entry), key])

# The value a container runs with: its own securityContext, else the pod's; value is null when neither sets it.
# "on" says whose field it is; the field path is formatted only for a violation (field_of).
effective(entry, key) := {"value": v, "on": "container"} if {
	v := entry.container.securityContext[key]
	v != null
} else := {"value": v, "on": "pod"} if {
	v := pod_sc[key]
	v != null
} else := {"value": null, "on": "container"}

field_of(entry, key, "container") := container_field(entry, key)

field_of(_, key, "pod") := pod_field(key)

spe_uids(spe) := exception.allowed(spe, ["securityContext", "runAsUser", "allowedValues"], [])

# An exception with runAsNonRoot.allowedValue false admits runAsNonRoot false or unset.
spe_admits_root(spe) if exception.allowed(spe, ["securityContext", "runAsNonRoot", "allowedValue"], true) == false

range_rule(key) := sprintf("must be set, within %s", [message.show(ranges(key))])

# Each rule's violations are looked for only when the rule checks anything: at RunAsAny (the default, and what the
# Pod Security levels set for groups) a body of its own is not even tried.
violation contains v if {
	user_rule == "MustRunAs"
	some v in user_range_violation
}

violation contains v if {
	checks_groups
	some v in group_violation
}

checks_groups if {
	some r in [group_rule, supplemental_groups_rule, fs_group_rule]
	r in {"MustRunAs", "MayRunAs"}
}

# --- runAsUser: MustRunAs ---------------------------------------------------------------------------------------

user_out_of_range := [{"entry": entry, "e": e} |
	user_rule == "MustRunAs"
	some entry in common.containers
	e := effective(entry, "runAsUser")
	e.value != null
	not range.in_any(e.value, ranges("runAsUser"))
	not uid_excepted(entry, e.value)
]

uid_excepted(entry, uid) if {
	exception.named
	uid in spe_uids(exception.for_container(entry))
}

user_range_violation contains {"msg": msg, "details": message.details(field, x.e.value, ranges("runAsUser"))} if {
	user_out_of_range != []
	not common.is_delete
	some k, x in common.first_reported(user_out_of_range)
	field := field_of(x.entry, "runAsUser", x.e.on)
	msg := common.reported(k, count(user_out_of_range), message.format(common.container_subject(x.entry), field, x.e.value, ranges("runAsUser")))
}

user_missing := [entry |
	user_rule == "MustRunAs"
	requires_presence
	some entry in common.containers
	effective(entry, "runAsUser").value == null
]

user_range_violation contains {"msg": msg, "details": message.details(field, null, ranges("runAsUser"))} if {
	user_missing != []
	not common.is_delete
	some k, entry in common.first_reported(user_missing)
	field := field_of(entry, "runAsUser", effective(entry, "runAsUser").on)
	msg := common.reported(k, count(user_missing), message.format_rule(common.container_subject(entry), field, null, range_rule("runAsUser")))
}

# --- runAsUser: MustRunAsNonRoot (Pod Security Admission restricted: runAsNonRoot and runAsUser) -----------------

non_root_required if {
	user_rule == "MustRunAsNonRoot"
	not user_namespace_relaxed
}

# PSA 1.35+: a pod in a user namespace (hostUsers: false) may run as any UID.
user_namespace_relaxed if {
	common.pod_spec.hostUsers == false
	object.get(params, "allowRootInUserNamespace", false) == true
}

root_rule := "must not be 0 (runAsUser rule MustRunAsNonRoot)"

non_root_rule := "must be true on the container or the pod (runAsUser rule MustRunAsNonRoot)"

# runAsUser 0 on a container.
root_containers := [entry |
	non_root_required
	some field in common.container_fields
	some i, c in common.pod_spec[field]
	c.securityContext.runAsUser == 0
	entry := {"container": c, "field": field, "index": i}
	not uid_excepted(entry, 0)
]

violation contains {"msg": msg, "details": message.details(field, 0, root_rule)} if {
	root_containers != []
	not common.is_delete
	some k, entry in common.first_reported(root_containers)
	field := container_field(entry, "runAsUser")
	msg := common.reported(k, count(root_containers), message.format_rule(common.container_subject(entry), field, 0, root_rule))
}

# runAsUser 0 on the pod, even when every container overrides it.
violation contains {"msg": msg, "details": message.details(field, 0, root_rule)} if {
	pod_sc.runAsUser == 0
	non_root_required
	not common.is_delete
	not 0 in spe_uids(exception.for_pod)
	field := pod_field("runAsUser")
	msg := message.format_rule(common.object_ref, field, 0, root_rule)
}

# runAsNonRoot false on a container.
root_allowed_containers := [entry |
	non_root_required
	some field in common.container_fields
	some i, c in common.pod_spec[field]
	c.securityContext.runAsNonRoot == false
	entry := {"container": c, "field": field, "index": i}
	not root_excepted(entry)
]

root_excepted(entry) if {
	exception.named
	spe_admits_root(exception.for_container(entry))
}

violation contains {"msg": msg, "details": message.details(field, false, true)} if {
	root_allowed_containers != []
	not common.is_delete
	some k, entry in common.first_reported(root_allowed_containers)
	field := container_field(entry, "runAsNonRoot")
	msg := common.reported(k, count(root_allowed_containers), message.format(common.container_subject(entry), field, false, true))
}

# runAsNonRoot false on the pod.
violation contains {"msg": msg, "details": message.details(field, false, true)} if {
	pod_sc.runAsNonRoot == false
	non_root_required
	not common.is_delete
	not spe_admits_root(exception.for_pod)
	field := pod_field("runAsNonRoot")
	msg := message.format(common.object_ref, field, false, true)
}

# runAsNonRoot set neither on the container nor on the pod.
non_root_unset := [entry |
	non_root_required
	requires_presence
	object.get(pod_sc, "runAsNonRoot", null) == null
	some field in common.container_fields
	some i, c in common.pod_spec[field]
	object.get(c, ["securityContext", "runAsNonRoot"], null) == null
	entry := {"container": c, "field": field, "index": i}
	not root_excepted(entry)
]

violation contains {"msg": msg, "details": message.details(field, null, true)} if {
	non_root_unset != []
	not common.is_delete
	some k, entry in common.first_reported(non_root_unset)
	field := container_field(entry, "runAsNonRoot")
	msg := common.reported(k, count(non_root_unset), message.format_rule(common.container_subject(entry), field, null, non_root_rule))
}

# --- runAsGroup (per container, falling back to the pod) ---------------------------------------------------------

group_violation contains {"msg": msg, "details": message.details(field, e.value, ranges("runAsGroup"))} if {
	group_rule in {"MustRunAs", "MayRunAs"}
	not common.is_delete
	some entry in common.containers
	e := effective(entry, "runAsGroup")
	e.value != null
	not range.in_any(e.value, ranges("runAsGroup"))
	field := field_of(entry, "runAsGroup", e.on)
	msg := message.format(common.container_subject(entry), field, e.value, ranges("runAsGroup"))
}

group_violation contains {"msg": msg, "details": message.details(field, null, ranges("runAsGroup"))} if {
	group_rule == "MustRunAs"
	not common.is_delete
	requires_presence
	some entry in common.containers
	e := effective(entry, "runAsGroup")
	e.value == null
	field := field_of(entry, "runAsGroup", e.on)
	msg := message.format_rule(common.container_subject(entry), field, null, range_rule("runAsGroup"))
}

# --- supplementalGroups and fsGroup (pod level) ------------------------------------------------------------------

group_violation contains {"msg": msg, "details": message.details(field, gid, ranges("supplementalGroups"))} if {
	supplemental_groups_rule in {"MustRunAs", "MayRunAs"}
	not common.is_delete
	some i, gid in object.get(pod_sc, "supplementalGroups", [])
	not range.in_any(gid, ranges("supplementalGroups"))
	field := sprintf("%s[%d]", [pod_field("supplementalGroups"), i])
	msg := message.format(common.object_ref, field, gid, ranges("supplementalGroups"))
}

group_violation contains {"msg": msg, "details": message.details(field, null, ranges("supplementalGroups"))} if {
	supplemental_groups_rule == "MustRunAs"
	not common.is_delete
	requires_presence
	count(object.get(pod_sc, "supplementalGroups", [])) == 0
	field := pod_field("supplementalGroups")
	msg := message.format_rule(common.object_ref, field, null, range_rule("supplementalGroups"))
}

group_violation contains {"msg": msg, "details": message.details(field, gid, ranges("fsGroup"))} if {
	fs_group_rule in {"MustRunAs", "MayRunAs"}
	not common.is_delete
	gid := pod_sc.fsGroup
	gid != null
	not range.in_any(gid, ranges("fsGroup"))
	field := pod_field("fsGroup")
	msg := message.format(common.object_ref, field, gid, ranges("fsGroup"))
}

group_violation contains {"msg": msg, "details": message.details(field, null, ranges("fsGroup"))} if {
	fs_group_rule == "MustRunAs"
	not common.is_delete
	requires_presence
	object.get(pod_sc, "fsGroup", null) == null
	field := pod_field("fsGroup")
	msg := message.format_rule(common.object_ref, field, null, range_rule("fsGroup"))
}
