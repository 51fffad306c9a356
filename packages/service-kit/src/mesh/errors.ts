/** Why a mesh call failed, with a stable code per reason. */

export type MeshErrorCode =
  | 'FUSION_ERR_MESH_UNKNOWN_SERVICE'
  | 'FUSION_ERR_MESH_TIMEOUT'
  | 'FUSION_ERR_MESH_UNREACHABLE';

export class MeshError extends Error {
  constructor(
    readonly code: MeshErrorCode,
    /** The service the call was for. */
    readonly service: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'MeshError';
  }
}

/** The service is not one this process declared or was given an address for. */
export class UnknownServiceError extends MeshError {
  constructor(
    service: string,
    readonly known: readonly string[],
  ) {
    const list = known.length > 0 ? known.join(', ') : 'none';
    super(
      'FUSION_ERR_MESH_UNKNOWN_SERVICE',
      service,
      `unknown service "${service}" (known services: ${list})`,
    );
    this.name = 'UnknownServiceError';
  }
}
