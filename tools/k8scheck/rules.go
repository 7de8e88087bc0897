package main

import (
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Our conventions for the manifests, on top of the strict decode. They mirror what the server
// expects (docs/deployment.md): /readyz and /healthz, secrets only from a Secret, a hardened
// non-root pod, and a migration Job that runs before the Deployment rolls out.

// secretEnv are configuration keys whose values are credentials: never a literal in a manifest.
// The first two are required, because serve and migrate refuse to start without them in production.
var (
	requiredSecretEnv = []string{"WORKSYNAPSE_SECRET_KEY", "WORKSYNAPSE_DATABASE_URL"}
	secretEnv         = []string{"WORKSYNAPSE_SECRET_KEY", "WORKSYNAPSE_DATABASE_URL", "WORKSYNAPSE_DATABASE_DIRECT_URL", "WORKSYNAPSE_AUDIT_SIGNING_KEY", "WORKSYNAPSE_REDIS_URL"}
	migrateArgs       = []string{"migrate", "apply"}
)

// Check applies the conventions to a set of decoded manifests and returns every violation.
func Check(ms []Manifest) []error {
	var (
		errs []error
		deps []Manifest
	)
	fail := func(m Manifest, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", m, fmt.Sprintf(format, args...)))
	}
	for _, m := range ms {
		if d, ok := m.Obj.(*appsv1.Deployment); ok {
			deps = append(deps, m)
			checkDeployment(m, d, fail)
		}
	}
	if len(deps) == 0 {
		errs = append(errs, fmt.Errorf("no Deployment found"))
	}
	migration := false
	images := map[string]bool{}
	for _, m := range deps {
		for _, c := range m.Obj.(*appsv1.Deployment).Spec.Template.Spec.Containers {
			images[c.Image] = true
		}
	}
	for _, m := range ms {
		switch o := m.Obj.(type) {
		case *batchv1.Job:
			checkPod(m, &o.Spec.Template.Spec, fail)
			if rp := o.Spec.Template.Spec.RestartPolicy; rp != corev1.RestartPolicyNever && rp != corev1.RestartPolicyOnFailure {
				fail(m, "restartPolicy must be Never or OnFailure, not %q", rp)
			}
			for _, c := range o.Spec.Template.Spec.Containers {
				if runsMigrate(c) {
					migration = true
					// The Job must migrate to the schema of the version being rolled out.
					if !images[c.Image] {
						fail(m, "container %s runs image %q, which no Deployment runs", c.Name, c.Image)
					}
				}
			}
		case *autoscalingv2.HorizontalPodAutoscaler:
			checkHPA(m, o, deps, ms, fail)
		case *policyv1.PodDisruptionBudget:
			if o.Spec.Selector == nil {
				fail(m, "spec.selector is required")
			} else if !selectsDeployment(o.Spec.Selector, deps) {
				fail(m, "spec.selector %s selects no Deployment's pods", metav1.FormatLabelSelector(o.Spec.Selector))
			}
			if o.Spec.MinAvailable == nil && o.Spec.MaxUnavailable == nil {
				fail(m, "set spec.minAvailable or spec.maxUnavailable")
			}
		case *corev1.Service:
			checkService(m, o, deps, fail)
		}
	}
	if !migration {
		errs = append(errs, fmt.Errorf("no Job runs `worksynapse %s`", strings.Join(migrateArgs, " ")))
	}
	return errs
}

func checkDeployment(m Manifest, d *appsv1.Deployment, fail func(Manifest, string, ...any)) {
	tpl := d.Spec.Template
	if d.Spec.Selector == nil {
		fail(m, "spec.selector is required")
	} else if sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector); err != nil {
		fail(m, "spec.selector: %v", err)
	} else if sel.Empty() || !sel.Matches(labels.Set(tpl.Labels)) {
		fail(m, "spec.selector %s does not select spec.template.metadata.labels", metav1.FormatLabelSelector(d.Spec.Selector))
	}
	checkPod(m, &tpl.Spec, fail)
	for _, c := range tpl.Spec.Containers {
		checkProbe(m, c, "readinessProbe", c.ReadinessProbe, "/readyz", fail)
		checkProbe(m, c, "livenessProbe", c.LivenessProbe, "/healthz", fail)
	}
}

// checkPod holds the rules shared by the Deployment and the migration Job.
func checkPod(m Manifest, p *corev1.PodSpec, fail func(Manifest, string, ...any)) {
	if len(p.Containers) == 0 {
		fail(m, "no containers")
	}
	podNonRoot := p.SecurityContext != nil && isTrue(p.SecurityContext.RunAsNonRoot)
	for _, c := range p.Containers {
		where := "container " + c.Name
		if c.Image == "" {
			fail(m, "%s: image is required", where)
		}
		sc := c.SecurityContext
		if sc == nil {
			fail(m, "%s: securityContext is required", where)
			sc = &corev1.SecurityContext{}
		}
		if !podNonRoot && !isTrue(sc.RunAsNonRoot) {
			fail(m, "%s: runAsNonRoot must be true (pod or container securityContext)", where)
		}
		if sc.RunAsUser != nil && *sc.RunAsUser == 0 {
			fail(m, "%s: securityContext.runAsUser must not be 0", where)
		}
		if !isTrue(sc.ReadOnlyRootFilesystem) {
			fail(m, "%s: securityContext.readOnlyRootFilesystem must be true", where)
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			fail(m, "%s: securityContext.allowPrivilegeEscalation must be false", where)
		}
		if isTrue(sc.Privileged) {
			fail(m, "%s: securityContext.privileged must not be true", where)
		}
		if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
			fail(m, "%s: securityContext.capabilities.drop must include ALL", where)
		} else if len(sc.Capabilities.Add) > 0 {
			fail(m, "%s: securityContext.capabilities.add must be empty", where)
		}
		checkResources(m, where, c.Resources, fail)
		checkSecretEnv(m, where, c.Env, fail)
	}
}

// checkResources wants CPU and memory requests (the scheduler and the HPA's utilisation need
// them) and a memory limit at least as large as the request. A CPU limit is not required: it
// only throttles a Go server that GOMAXPROCS already sizes.
func checkResources(m Manifest, where string, r corev1.ResourceRequirements, fail func(Manifest, string, ...any)) {
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if q, ok := r.Requests[name]; !ok || q.IsZero() {
			fail(m, "%s: resources.requests.%s is required", where, name)
		}
	}
	lim, ok := r.Limits[corev1.ResourceMemory]
	if !ok || lim.IsZero() {
		fail(m, "%s: resources.limits.memory is required", where)
	} else if req, ok := r.Requests[corev1.ResourceMemory]; ok && lim.Cmp(req) < 0 {
		fail(m, "%s: resources.limits.memory %s is below the request %s", where, lim.String(), req.String())
	}
}

func checkSecretEnv(m Manifest, where string, env []corev1.EnvVar, fail func(Manifest, string, ...any)) {
	for _, name := range requiredSecretEnv {
		if !slices.ContainsFunc(env, func(e corev1.EnvVar) bool { return e.Name == name }) {
			fail(m, "%s: env %s is required (from a Secret)", where, name)
		}
	}
	for _, e := range env {
		if !slices.Contains(secretEnv, e.Name) {
			continue
		}
		ref := (*corev1.SecretKeySelector)(nil)
		if e.ValueFrom != nil {
			ref = e.ValueFrom.SecretKeyRef
		}
		if ref == nil || ref.Name == "" || ref.Key == "" {
			fail(m, "%s: env %s must come from valueFrom.secretKeyRef (name and key), never a literal value", where, e.Name)
		}
	}
}

func checkProbe(m Manifest, c corev1.Container, field string, p *corev1.Probe, path string, fail func(Manifest, string, ...any)) {
	where := "container " + c.Name
	if p == nil || p.HTTPGet == nil {
		fail(m, "%s: %s must be an httpGet of %s", where, field, path)
		return
	}
	if p.HTTPGet.Path != path {
		fail(m, "%s: %s.httpGet.path is %q, want %q", where, field, p.HTTPGet.Path, path)
	}
	if !containerHasPort(c, p.HTTPGet.Port) {
		fail(m, "%s: %s.httpGet.port %s is not a port of the container", where, field, p.HTTPGet.Port.String())
	}
}

func checkHPA(m Manifest, h *autoscalingv2.HorizontalPodAutoscaler, deps, ms []Manifest, fail func(Manifest, string, ...any)) {
	ref := h.Spec.ScaleTargetRef
	var target *appsv1.Deployment
	for _, d := range deps {
		if d.Name == ref.Name {
			target = d.Obj.(*appsv1.Deployment)
		}
	}
	if ref.Kind != "Deployment" || ref.APIVersion != "apps/v1" || target == nil {
		fail(m, "scaleTargetRef %s %s %s is not a Deployment of these manifests", ref.APIVersion, ref.Kind, ref.Name)
		return
	}
	minReplicas := int32(1)
	if h.Spec.MinReplicas != nil {
		minReplicas = *h.Spec.MinReplicas
	}
	if minReplicas > h.Spec.MaxReplicas {
		fail(m, "minReplicas %d is above maxReplicas %d", minReplicas, h.Spec.MaxReplicas)
	}
	// With one replica a PodDisruptionBudget either blocks node drains or allows an outage.
	if minReplicas < 2 {
		fail(m, "minReplicas must be at least 2, got %d", minReplicas)
	}
	for _, pm := range ms {
		pdb, ok := pm.Obj.(*policyv1.PodDisruptionBudget)
		if !ok || pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.Type != intstr.Int {
			continue
		}
		if sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector); err == nil && sel.Matches(labels.Set(target.Spec.Template.Labels)) &&
			pdb.Spec.MinAvailable.IntVal >= minReplicas {
			fail(m, "minReplicas %d leaves %s (minAvailable %d) no pod to evict: node drains would block", minReplicas, pm, pdb.Spec.MinAvailable.IntVal)
		}
	}
}

func checkService(m Manifest, s *corev1.Service, deps []Manifest, fail func(Manifest, string, ...any)) {
	if len(s.Spec.Selector) == 0 {
		fail(m, "spec.selector is required")
		return
	}
	var target *appsv1.Deployment
	for _, d := range deps {
		dep := d.Obj.(*appsv1.Deployment)
		if labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(dep.Spec.Template.Labels)) {
			target = dep
		}
	}
	if target == nil {
		fail(m, "spec.selector %v selects no Deployment's pods", s.Spec.Selector)
		return
	}
	for _, p := range s.Spec.Ports {
		tp := p.TargetPort
		if tp.Type == intstr.Int && tp.IntVal == 0 {
			tp = intstr.FromInt32(p.Port) // Kubernetes defaults targetPort to port
		}
		if !slices.ContainsFunc(target.Spec.Template.Spec.Containers, func(c corev1.Container) bool { return containerHasPort(c, tp) }) {
			fail(m, "port %s: targetPort %s is not a container port of the Deployment", p.Name, tp.String())
		}
	}
}

// selectsDeployment reports whether a label selector selects the pods of one of the Deployments.
func selectsDeployment(ls *metav1.LabelSelector, deps []Manifest) bool {
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil || sel.Empty() {
		return false
	}
	return slices.ContainsFunc(deps, func(d Manifest) bool {
		return sel.Matches(labels.Set(d.Obj.(*appsv1.Deployment).Spec.Template.Labels))
	})
}

func containerHasPort(c corev1.Container, port intstr.IntOrString) bool {
	return slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool {
		if port.Type == intstr.String {
			return p.Name == port.StrVal
		}
		return p.ContainerPort == port.IntVal
	})
}

// runsMigrate: the image's ENTRYPOINT is the worksynapse binary, so args alone select the
// subcommand; a command override must name the binary itself.
func runsMigrate(c corev1.Container) bool {
	argv := append(slices.Clone(c.Command), c.Args...)
	if len(c.Command) > 0 {
		if !strings.HasSuffix(c.Command[0], "worksynapse") {
			return false
		}
		argv = argv[1:]
	}
	return slices.Equal(argv, migrateArgs)
}

func isTrue(b *bool) bool { return b != nil && *b }
