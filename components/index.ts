export * from "./cluster";
export * from "./network";
export * from "./options";
export * from "./refs";
