package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const deployDir = "../../deploy/k8s"

func lint(paths ...string) []error {
	ms, errs := Load(paths...)
	if len(errs) > 0 {
		return errs
	}
	return Check(ms)
}

func TestDeployManifestsPass(t *testing.T) {
	for _, err := range lint(deployDir) {
		t.Error(err)
	}
}

func TestTypoFieldRejected(t *testing.T) {
	errs := lint("testdata/typo-deployment.yaml")
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), `unknown field "spec.template.spec.containers[0].readinesProbe"`) {
		t.Fatalf("want one unknown-field error for readinesProbe, got %v", errs)
	}
}

// TestBrokenManifestsRejected breaks one thing at a time in a copy of deploy/k8s and expects the
// lint to name it, so each rule is proven to fire on our real manifests.
func TestBrokenManifestsRejected(t *testing.T) {
	cases := []struct {
		name, file, old, new, want string
	}{
		{"typo", "deployment.yaml", "readinessProbe:", "readinesProbe:", `unknown field "spec.template.spec.containers[0].readinesProbe"`},
		{"wrong case", "deployment.yaml", "readinessProbe:", "ReadinessProbe:", `unknown field "spec.template.spec.containers[0].ReadinessProbe"`},
		{"duplicate key", "deployment.yaml", "runAsNonRoot: true\n", "runAsNonRoot: true\n        runAsNonRoot: false\n", `duplicate`},
		{"string for int", "deployment.yaml", "replicas: 2", `replicas: "2"`, `cannot unmarshal string`},
		{"bad quantity", "deployment.yaml", "cpu: 250m", "cpu: 250x", `quantities must match`},
		{"removed apiVersion", "hpa.yaml", "autoscaling/v2", "autoscaling/v2beta2", `unknown kind autoscaling/v2beta2 HorizontalPodAutoscaler`},
		{"readiness path", "deployment.yaml", "{path: /readyz", "{path: /healthz", `readinessProbe.httpGet.path is "/healthz", want "/readyz"`},
		{"liveness path", "deployment.yaml", "livenessProbe:\n            httpGet: {path: /healthz", "livenessProbe:\n            httpGet: {path: /readyz", `livenessProbe.httpGet.path is "/readyz", want "/healthz"`},
		{"probe port", "deployment.yaml", "{path: /readyz, port: http}", "{path: /readyz, port: web}", `readinessProbe.httpGet.port web is not a port`},
		{"no memory limit", "deployment.yaml", "limits: {memory: 512Mi}", "limits: {}", `resources.limits.memory is required`},
		{"root", "deployment.yaml", "runAsNonRoot: true", "runAsNonRoot: false", `runAsNonRoot must be true`},
		{"escalation", "migrate-job.yaml", "allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true", `allowPrivilegeEscalation must be false`},
		{"writable root", "deployment.yaml", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", `readOnlyRootFilesystem must be true`},
		{"capabilities", "deployment.yaml", `drop: ["ALL"]`, `drop: ["NET_RAW"]`, `capabilities.drop must include ALL`},
		{"literal database URL", "deployment.yaml", "- name: WORKSYNAPSE_DATABASE_URL\n              valueFrom: {secretKeyRef: {name: worksynapse, key: database-url}}",
			`- {name: WORKSYNAPSE_DATABASE_URL, value: "postgres://u:p@db/ws"}`, `env WORKSYNAPSE_DATABASE_URL must come from valueFrom.secretKeyRef`},
		{"missing secret key", "migrate-job.yaml", "- name: WORKSYNAPSE_SECRET_KEY\n", "- name: WORKSYNAPSE_SECRET_KEY_FILE\n", `env WORKSYNAPSE_SECRET_KEY is required`},
		{"migration command", "migrate-job.yaml", `args: ["migrate", "apply"]`, `args: ["migrate", "status"]`, "no Job runs `worksynapse migrate apply`"},
		{"migration image", "migrate-job.yaml", "image: worksynapse:latest", "image: worksynapse:old", `runs image "worksynapse:old", which no Deployment runs`},
		{"HPA target", "hpa.yaml", "Deployment, name: worksynapse}", "Deployment, name: worksynapse-api}", `scaleTargetRef apps/v1 Deployment worksynapse-api is not a Deployment`},
		{"HPA one replica", "hpa.yaml", "minReplicas: 2", "minReplicas: 1", `minReplicas must be at least 2`},
		{"PDB selector", "pdb.yaml", "{app.kubernetes.io/name: worksynapse}", "{app: worksynapse}", `selects no Deployment's pods`},
		{"Service port", "service.yaml", "targetPort: http", "targetPort: web", `targetPort web is not a container port`},
		{"kustomization", "kustomization.yaml", "  - pdb.yaml\n", "", `pdb.yaml is not listed in resources`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDeploy(t)
			path := filepath.Join(dir, tc.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(data), tc.old); n != 1 {
				t.Fatalf("%q occurs %d times in %s; the case must change exactly one place", tc.old, n, tc.file)
			}
			if err := os.WriteFile(path, []byte(strings.Replace(string(data), tc.old, tc.new, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			errs := lint(dir)
			for _, err := range errs {
				if strings.Contains(err.Error(), tc.want) {
					return
				}
			}
			t.Fatalf("want an error containing %q, got %v", tc.want, errs)
		})
	}
}

func copyDeploy(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(deployDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(deployDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
