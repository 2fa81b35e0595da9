/**
 * @module lib/pkg/resolve
 * Which packages an install needs: the requested ones and, depth first, every Depends and
 * Pre-Depends not already met by the image or by what is installed, each at the newest version
 * of the index that meets every constraint on it. Alternatives are tried in their order, a
 * virtual name by the packages that provide it. Recommends and Suggests are not followed
 * (the image is small on purpose; pkg.info lists them). Conflicts and Breaks between the plan
 * and what is there stop the install before anything is fetched.
 */
import { compareVersions, describeRequirement, parseRelations, type Requirement, satisfies } from "./version.ts";

export interface Candidate {
  name: string;
  version: string;
  arch: string;
  depends: string;
  pre_depends: string;
  provides: string;
  conflicts: string;
  breaks: string;
}

/** A package already on the machine: part of the image or installed. */
export interface Present {
  name: string;
  version: string;
  provides: string;
  /** "image" or "installed". */
  origin: string;
}

export interface ResolveSource<C extends Candidate> {
  /** Every version of a package in the index. */
  versions(name: string): C[];
  /** Packages of the index that provide a virtual name. */
  providers(virtual: string): C[];
  present: ReadonlyMap<string, Present>;
}

export class ResolveError extends Error {}

export interface PlannedPackage<C extends Candidate> {
  candidate: C;
  /** Installed only because another package needs it. */
  auto: boolean;
  /** Which package needed it ("" for a requested one). */
  neededBy: string;
}

/** A provided name: "foo" or "foo (= 1.2)". */
function providedNames(field: string): Array<{ name: string; version?: string }> {
  return parseRelations(field).map((group) => ({ name: group[0]!.name, version: group[0]!.relation === "=" ? group[0]!.version : undefined }));
}

function meets(pkg: { name: string; version: string; provides: string }, requirement: Requirement): boolean {
  if (pkg.name === requirement.name) return !requirement.relation || satisfies(pkg.version, requirement.relation, requirement.version!);
  return providedNames(pkg.provides).some(
    (p) => p.name === requirement.name && (!requirement.relation || (p.version !== undefined && satisfies(p.version, requirement.relation, requirement.version!))),
  );
}

const ARCHES = new Set(["amd64", "all"]);

/**
 * The packages to install, dependencies before what needs them. requests are names, or
 * NAME=VERSION for one version.
 */
export function resolveInstall<C extends Candidate>(requests: readonly string[], source: ResolveSource<C>): PlannedPackage<C>[] {
  const plan = new Map<string, PlannedPackage<C>>();
  const order: PlannedPackage<C>[] = [];
  const everything = () => [...source.present.values(), ...[...plan.values()].map((p) => p.candidate)];

  const newest = (requirement: Requirement): C | undefined => {
    const real = source
      .versions(requirement.name)
      .filter((c) => ARCHES.has(c.arch) && (!requirement.relation || satisfies(c.version, requirement.relation, requirement.version!)))
      .sort((a, b) => compareVersions(b.version, a.version));
    if (real[0]) return real[0];
    return source
      .providers(requirement.name)
      .filter((c) => ARCHES.has(c.arch) && meets(c, requirement))
      .sort((a, b) => a.name.localeCompare(b.name) || compareVersions(b.version, a.version))[0];
  };

  const add = (candidate: C, auto: boolean, neededBy: string) => {
    const planned = plan.get(candidate.name);
    if (planned) {
      if (planned.candidate.version !== candidate.version) {
        throw new ResolveError(
          `${candidate.name} is needed at ${candidate.version} by ${neededBy || "the request"} and at ${planned.candidate.version} by ${planned.neededBy || "the request"}: no version meets both`,
        );
      }
      return;
    }
    const entry = { candidate, auto, neededBy };
    plan.set(candidate.name, entry);
    for (const group of [...parseRelations(candidate.pre_depends), ...parseRelations(candidate.depends)]) need(group, candidate.name);
    order.push(entry);
  };

  const need = (group: Requirement[], neededBy: string) => {
    if (group.some((r) => everything().some((pkg) => meets(pkg, r)))) return;
    for (const requirement of group) {
      const presentOne = source.present.get(requirement.name);
      if (presentOne && !meets(presentOne, requirement)) {
        throw new ResolveError(
          `${neededBy} needs ${describeRequirement(requirement)}, but ${presentOne.origin === "image" ? "the image has" : "installed is"} ${requirement.name} ${presentOne.version}`,
        );
      }
      const candidate = newest(requirement);
      if (candidate) return add(candidate, true, neededBy);
    }
    throw new ResolveError(`${neededBy} needs ${group.map(describeRequirement).join(" or ")}, which the mirror's index does not have`);
  };

  for (const request of requests) {
    const [name, version] = request.split("=", 2) as [string, string | undefined];
    const present = source.present.get(name);
    if (present) {
      throw new ResolveError(
        present.origin === "image" ? `${name} ${present.version} is part of the image already` : `${name} ${present.version} is installed already (remove it first to install another version)`,
      );
    }
    const requirement: Requirement = version ? { name, relation: "=", version } : { name };
    const real = source.versions(name).filter((c) => ARCHES.has(c.arch));
    if (real.length === 0) {
      const providers = source.providers(name).map((p) => p.name);
      throw new ResolveError(
        providers.length > 0
          ? `${name} is a virtual package: install one of ${[...new Set(providers)].sort().join(", ")}`
          : `no package ${name} in the mirror's index (pkg.search finds names; pkg.update refreshes the index)`,
      );
    }
    const candidate = newest(requirement);
    if (!candidate) throw new ResolveError(`${name} has no version ${version} in the index (it has ${real.map((c) => c.version).join(", ")})`);
    add(candidate, false, "");
  }

  // A plan that conflicts with itself or with what is there stops here, before any download.
  for (const { candidate } of order) {
    for (const group of [...parseRelations(candidate.conflicts), ...parseRelations(candidate.breaks)]) {
      for (const requirement of group) {
        const hit = everything().find((pkg) => pkg.name !== candidate.name && meets(pkg, requirement));
        if (hit)
          throw new ResolveError(
            `${candidate.name} conflicts with ${hit.name} ${hit.version}${"origin" in hit ? ` (${(hit as Present).origin === "image" ? "part of the image" : "installed"})` : ""}`,
          );
      }
    }
  }
  return order;
}
