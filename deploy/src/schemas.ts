import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { cnpgClusterSchema } from './cnpg-cluster';
import { describeObject, type KubernetesObject } from './objects';

type Validate = (object: KubernetesObject) => void;

function modelValidator<T>(Model: new (data: T) => { validate(): void }): Validate {
  return (object) => new Model(object as T).validate();
}

/**
 * Validators by `apiVersion/kind`. Built-in kinds use the Kubernetes OpenAPI schemas compiled into
 * kubernetes-models, which check types, enums and required fields but, like the API server
 * without strict field validation, let unknown fields through.
 */
const VALIDATORS: Record<string, Validate> = {
  'v1/Namespace': modelValidator(Namespace),
  'v1/ServiceAccount': modelValidator(ServiceAccount),
  'v1/ConfigMap': modelValidator(ConfigMap),
  'v1/Secret': modelValidator(Secret),
  'v1/Service': modelValidator(Service),
  'apps/v1/Deployment': modelValidator(Deployment),
  'batch/v1/Job': modelValidator(Job),
  'autoscaling/v2/HorizontalPodAutoscaler': modelValidator(HorizontalPodAutoscaler),
  'policy/v1/PodDisruptionBudget': modelValidator(PodDisruptionBudget),
  'networking.k8s.io/v1/NetworkPolicy': modelValidator(NetworkPolicy),
  'keda.sh/v1alpha1/ScaledObject': modelValidator(ScaledObject),
  'postgresql.cnpg.io/v1/Cluster': (object) => {
    const result = cnpgClusterSchema.safeParse(object);
    if (!result.success) {
      throw new Error(
        result.error.issues.map((issue) => `${issue.path.join('/')} ${issue.message}`).join('; '),
      );
    }
  },
};

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Validates one object against the schema of its kind and checks that its name is a DNS label.
 * Returns the problems found, and a kind without a schema here is a problem too.
 */
export function validateObject(object: KubernetesObject): string[] {
  const id = describeObject(object);
  const problems: string[] = [];
  const name = object.metadata.name;
  if (!DNS_LABEL.test(name) || name.length > 63) {
    problems.push(`${id}: name must be a DNS label (lower-case letters, digits, "-"; 63 at most)`);
  }

  const validate = VALIDATORS[`${object.apiVersion}/${object.kind}`];
  if (!validate) {
    problems.push(
      `${id}: no schema for ${object.apiVersion} ${object.kind}; add one to schemas.ts`,
    );
    return problems;
  }
  try {
    validate(object);
  } catch (error) {
    problems.push(`${id}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return problems;
}
