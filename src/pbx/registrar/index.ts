/**
 * The registrar: the public surface of `src/pbx/registrar`.
 */
export type { Binding, Flow, FlowTransport } from './binding.ts';
export { type BindingStore, FileBindingStore, memoryBindingStore } from './binding-store.ts';
export { contactUriKey, registerInputFrom, registerResponse } from './register-request.ts';
export {
  type BindingsListener,
  type ContactInput,
  type ListedContact,
  type RegisterInput,
  type RegisterOutcome,
  Registrar,
  type RegistrarOptions,
} from './registrar.ts';
