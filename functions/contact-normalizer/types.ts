/** Something in a contact that could not be (fully) normalised. Never fatal: the contact is still returned. */
export interface Warning {
  field: 'name' | 'email' | 'phone';
  code: string;
  message: string;
}
