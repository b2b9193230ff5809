// compose-check validates docker-compose.yml with the loader Docker Compose itself uses
// (github.com/compose-spec/compose-go/v2): YAML parsing, interpolation, compose-spec JSON schema
// validation, normalisation and the consistency checks (unknown depends_on targets, networks, volumes…).
// Nothing here needs a Docker engine.
//
//	compose-check [--project-directory DIR] [FILE]   (FILE defaults to docker-compose.yml)
//
// Interpolation is deterministic: neither the OS environment nor a .env file is read. Every variable the
// file marks as required (${VAR:?msg} or ${VAR?msg}) gets a dummy value; ${VAR:-default} takes its
// default; any other unset variable is reported as a problem. All profiles are enabled, so
// profile-gated services are checked too. Loader warnings count as failures.
//
// On top of the loader, it checks what this project's stack needs: the services api, worker, postgres,
// temporal, temporal-ui and bigquery-emulator exist, api and worker depend on postgres and temporal,
// and every build context is a directory holding its Dockerfile.
//
// Exit status: 0 when valid, 1 with the problems on stderr otherwise, 2 on bad usage.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/sirupsen/logrus"
)

var requiredServices = []string{"api", "worker", "postgres", "temporal", "temporal-ui", "bigquery-emulator"}

// dependsOn: service -> services it must declare in depends_on.
var dependsOn = map[string][]string{
	"api":    {"postgres", "temporal"},
	"worker": {"postgres", "temporal"},
}

// ${VAR:?msg} / ${VAR?msg}: required variables (compose-spec interpolation syntax).
var requiredVar = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*):?\?`)

// warningHook collects the loader's logrus warnings so they fail the check instead of scrolling by.
type warningHook struct{ messages []string }

func (h *warningHook) Levels() []logrus.Level {
	return []logrus.Level{logrus.PanicLevel, logrus.FatalLevel, logrus.ErrorLevel, logrus.WarnLevel}
}

func (h *warningHook) Fire(e *logrus.Entry) error {
	h.messages = append(h.messages, e.Message)
	return nil
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("compose-check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	projectDir := fs.String("project-directory", "", "directory relative paths (build contexts, volumes) resolve against; default: the compose file's directory")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 1 {
		fmt.Fprintln(stderr, "usage: compose-check [--project-directory DIR] [docker-compose.yml]")
		return 2
	}
	file := "docker-compose.yml"
	if fs.NArg() == 1 {
		file = fs.Arg(0)
	}

	problems, summary, err := check(file, *projectDir)
	if err != nil {
		fmt.Fprintf(stderr, "compose-check: %s: %v\n", file, err)
		return 1
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintf(stderr, "compose-check: %s: %s\n", file, p)
		}
		return 1
	}
	fmt.Fprintf(stdout, "compose-check: %s: ok (%s)\n", file, summary)
	return 0
}

// check returns (problems, summary, nil), or a non-nil error when the loader rejects the file.
func check(file, projectDir string) ([]string, string, error) {
	content, err := os.ReadFile(file)
	if err != nil {
		return nil, "", err
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, "", err
	}
	if projectDir == "" {
		projectDir = filepath.Dir(abs)
	}
	if projectDir, err = filepath.Abs(projectDir); err != nil {
		return nil, "", err
	}

	var env []string
	seen := map[string]bool{}
	for _, m := range requiredVar.FindAllStringSubmatch(string(content), -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			env = append(env, m[1]+"=compose-check-dummy")
		}
	}

	hook := &warningHook{}
	logrus.SetOutput(io.Discard)
	logrus.AddHook(hook)

	opts, err := cli.NewProjectOptions([]string{abs},
		cli.WithWorkingDirectory(projectDir),
		cli.WithEnv(env), // no WithOsEnv / WithDotEnv: results must not depend on the caller's shell
		cli.WithProfiles([]string{"*"}),
		cli.WithInterpolation(true),
		cli.WithNormalization(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
		cli.WithLoadOptions(func(o *loader.Options) {
			o.SkipValidation = false // compose-spec JSON schema, per file
			o.SkipConsistencyCheck = false
		}),
	)
	if err != nil {
		return nil, "", err
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		return nil, "", err
	}

	var problems []string
	for _, w := range hook.messages {
		problems = append(problems, "loader warning: "+w)
	}
	problems = append(problems, checkProject(project)...)

	names := project.ServiceNames()
	sort.Strings(names)
	summary := fmt.Sprintf("project %s, %d services: %s; %d variables given dummy values",
		project.Name, len(names), strings.Join(names, ", "), len(env))
	return problems, summary, nil
}

func checkProject(project *types.Project) []string {
	var problems []string
	for _, name := range requiredServices {
		if _, ok := project.Services[name]; !ok {
			problems = append(problems, fmt.Sprintf("service %q is missing", name))
		}
	}
	for svc, deps := range dependsOn {
		s, ok := project.Services[svc]
		if !ok {
			continue
		}
		for _, d := range deps {
			if _, ok := s.DependsOn[d]; !ok {
				problems = append(problems, fmt.Sprintf("service %q does not depend on %q", svc, d))
			}
		}
	}
	for _, name := range project.ServiceNames() {
		b := project.Services[name].Build
		if b == nil || b.Context == "" || b.DockerfileInline != "" || strings.Contains(b.Context, "://") {
			continue
		}
		if st, err := os.Stat(b.Context); err != nil || !st.IsDir() {
			problems = append(problems, fmt.Sprintf("service %q: build context %s is not a directory", name, b.Context))
			continue
		}
		dockerfile := b.Dockerfile
		if dockerfile == "" {
			dockerfile = "Dockerfile"
		}
		if !filepath.IsAbs(dockerfile) {
			dockerfile = filepath.Join(b.Context, dockerfile)
		}
		if _, err := os.Stat(dockerfile); err != nil {
			problems = append(problems, fmt.Sprintf("service %q: Dockerfile %s not found", name, dockerfile))
		}
	}
	sort.Strings(problems)
	return problems
}
