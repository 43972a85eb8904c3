import Foundation

/// The OpenAPI 3.1 contract of `/api/v1`, served at `/api/v1/openapi.json`. Kept in code so the
/// binary needs no resource bundle; `OpenAPIDocumentTests` checks that it parses and names every route.
enum OpenAPIDocument {
    static let data = Data(text.utf8)

    static let text = #"""
        {
          "openapi": "3.1.0",
          "info": {
            "title": "AegisGuard management API",
            "version": "1.0.0",
            "description": "Tenants, users, memberships, robot accounts, public repositories the audit log, gas (schedule, prices, budgets, invoices), storage, WASM runs and deployed apps. Authenticate with Basic credentials or a bearer token from /token. Errors are application/problem+json. A caller with no role in a tenant gets 404 for it, exactly as for a tenant that does not exist."
          },
          "servers": [
            {
              "url": "/"
            }
          ],
          "security": [
            {
              "basic": []
            },
            {
              "bearer": []
            }
          ],
          "paths": {
            "/api/v1/me": {
              "get": {
                "operationId": "getMe",
                "summary": "The authenticated caller and its roles",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Me"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/tenants": {
              "get": {
                "operationId": "listTenants",
                "summary": "Tenants the caller belongs to (all, for system administrators)",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/TenantList"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                }
              },
              "post": {
                "operationId": "createTenant",
                "summary": "Create a tenant (system administrators)",
                "responses": {
                  "201": {
                    "description": "Created",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Tenant"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "Bad request",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "409": {
                    "description": "Conflict",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "413": {
                    "description": "Body too large",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/NewTenant"
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/tenants/{tenant}": {
              "get": {
                "operationId": "getTenant",
                "summary": "One tenant (members)",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Tenant"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  }
                ]
              },
              "delete": {
                "operationId": "deleteTenant",
                "summary": "Delete an empty tenant (owners)",
                "responses": {
                  "204": {
                    "description": "Done"
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "409": {
                    "description": "Conflict",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  }
                ]
              }
            },
            "/api/v1/tenants/{tenant}/visibility": {
              "put": {
                "operationId": "setVisibility",
                "summary": "Allow or stop anonymous pulls of a repository (owners)",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/VisibilityResult"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "Bad request",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "413": {
                    "description": "Body too large",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/Visibility"
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/tenants/{tenant}/members": {
              "get": {
                "operationId": "listMembers",
                "summary": "Members and their roles (owners, admins)",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/MemberList"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  }
                ]
              }
            },
            "/api/v1/tenants/{tenant}/members/{user}": {
              "put": {
                "operationId": "setMember",
                "summary": "Give a user a role in the tenant (owners, admins; only owners make owners)",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Member"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "Bad request",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "413": {
                    "description": "Body too large",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  },
                  {
                    "name": "user",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9][a-z0-9._-]{0,63}$"
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/NewRole"
                      }
                    }
                  }
                }
              },
              "delete": {
                "operationId": "removeMember",
                "summary": "Remove a user from the tenant (owners, admins)",
                "responses": {
                  "204": {
                    "description": "Done"
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  },
                  {
                    "name": "user",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9][a-z0-9._-]{0,63}$"
                    }
                  }
                ]
              }
            },
            "/api/v1/tenants/{tenant}/robots": {
              "get": {
                "operationId": "listRobots",
                "summary": "Robot accounts (owners, admins)",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/RobotList"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  }
                ]
              },
              "post": {
                "operationId": "createRobot",
                "summary": "Create a robot; the answer carries its API key, shown once (owners, admins)",
                "responses": {
                  "201": {
                    "description": "Created",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Robot"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "Bad request",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "409": {
                    "description": "Conflict",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "413": {
                    "description": "Body too large",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/NewRobot"
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/tenants/{tenant}/robots/{robot}": {
              "delete": {
                "operationId": "revokeRobot",
                "summary": "Revoke a robot's key (owners, admins)",
                "responses": {
                  "204": {
                    "description": "Done"
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  },
                  {
                    "name": "robot",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9][a-z0-9._-]{0,63}$"
                    }
                  }
                ]
              }
            },
            "/api/v1/tenants/{tenant}/grants": {
              "get": {
                "operationId": "listGrants",
                "summary": "Repository grants in the tenant (owners, admins)",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/GrantList"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  }
                ]
              },
              "put": {
                "operationId": "setGrant",
                "summary": "Give a user a role on one repository or a repository path (owners, admins)",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Grant"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "Bad request",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "413": {
                    "description": "Body too large",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/Grant"
                      }
                    }
                  }
                }
              },
              "delete": {
                "operationId": "removeGrant",
                "summary": "Remove a grant (owners, admins)",
                "responses": {
                  "204": {
                    "description": "Done"
                  },
                  "400": {
                    "description": "Bad request",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  },
                  {
                    "name": "user",
                    "in": "query",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9][a-z0-9._-]{0,63}$"
                    }
                  },
                  {
                    "name": "repository",
                    "in": "query",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*(/\\*)?$",
                      "maxLength": 180
                    }
                  }
                ]
              }
            },
            "/api/v1/gas/schedule": {
              "get": {
                "operationId": "getGasSchedule",
                "summary": "The gas cost schedule in force",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/GasSchedule"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/tenants/{tenant}/gas/invoice": {
              "get": {
                "operationId": "getInvoice",
                "summary": "The tenant's bill for a period, by repository and operation (owners, admins, auditors)",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Invoice"
                        }
                      },
                      "text/csv": {
                        "schema": {
                          "type": "string"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "Bad request",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  },
                  {
                    "name": "period",
                    "in": "query",
                    "schema": {
                      "type": "string",
                      "pattern": "^(19[7-9][0-9]|[2-9][0-9]{3})-(0[1-9]|1[0-2])$"
                    }
                  },
                  {
                    "name": "format",
                    "in": "query",
                    "schema": {
                      "type": "string",
                      "enum": [
                        "json",
                        "csv"
                      ]
                    }
                  }
                ]
              }
            },
            "/api/v1/tenants/{tenant}/gas/budget": {
              "put": {
                "operationId": "setGasBudget",
                "summary": "Set the tenant's gas budget per calendar month (system administrators)",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Budget"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "Bad request",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "413": {
                    "description": "Body too large",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/NewBudget"
                      }
                    }
                  }
                }
              },
              "delete": {
                "operationId": "removeGasBudget",
                "summary": "Return the tenant to the default budget (system administrators)",
                "responses": {
                  "204": {
                    "description": "Done"
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  }
                ]
              }
            },
            "/api/v1/gas/prices": {
              "get": {
                "operationId": "getGasPrices",
                "summary": "The base fee now and at the end of past intervals, newest first",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/PriceHistory"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "Bad request",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "limit",
                    "in": "query",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 10000
                    }
                  }
                ]
              }
            },
            "/api/v1/tenants/{tenant}/gas/max-price": {
              "put": {
                "operationId": "setMaxGasPrice",
                "summary": "The most the tenant pays per gas for deferrable work (pushes); above it they get 429 (owners)",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/MaxPrice"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "Bad request",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "413": {
                    "description": "Body too large",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/NewMaxPrice"
                      }
                    }
                  }
                }
              },
              "delete": {
                "operationId": "removeMaxGasPrice",
                "summary": "No maximum price (owners)",
                "responses": {
                  "204": {
                    "description": "Done"
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  }
                ]
              }
            },
            "/api/v1/tenants/{tenant}/storage": {
              "get": {
                "operationId": "getStorage",
                "summary": "Bytes the tenant stores (distinct linked blobs) and its quota (owners, admins, auditors)",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Storage"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  }
                ]
              }
            },
            "/api/v1/tenants/{tenant}/storage/hints": {
              "get": {
                "operationId": "getStorageHints",
                "summary": "Efficiency hints: untagged manifests, the bytes only they (or nothing) reference, and the storage gas they cost (owners, admins, auditors)",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/StorageHints"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "Bad limit",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "description": "How many of the oldest untagged manifests to list (1-1000, default 20)",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 1000
                    }
                  }
                ]
              }
            },
            "/api/v1/tenants/{tenant}/runs": {
              "post": {
                "operationId": "startRun",
                "summary": "Run a WASM module or Spin component stored in the tenant, metered in gas (run permission: owners, admins, maintainers, developers, runners)",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/NewRun"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "The run ended (see status)",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Run"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "Bad request",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed, or the gas budget is exhausted",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "413": {
                    "description": "Body too large",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "422": {
                    "description": "Not a runnable artifact",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "429": {
                    "description": "Every sandbox thread is busy and the queue is full (Retry-After)",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  }
                ]
              },
              "get": {
                "operationId": "listRuns",
                "summary": "Recorded runs, newest first (owners, admins, auditors)",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/RunList"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "Bad request",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "required": false,
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 1000
                    }
                  },
                  {
                    "name": "before",
                    "in": "query",
                    "required": false,
                    "description": "Continue below this run id",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "format": "int64"
                    }
                  }
                ]
              }
            },
            "/api/v1/tenants/{tenant}/apps": {
              "get": {
                "operationId": "listApps",
                "summary": "Deployed applications (any member who may pull)",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/AppList"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  }
                ]
              }
            },
            "/api/v1/tenants/{tenant}/apps/{app}": {
              "put": {
                "operationId": "deployApp",
                "summary": "Pin a Spin application (WAGI routes) or a single module to a name, served at /apps/{tenant}/{app}/… (push and run permissions)",
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/NewApp"
                      }
                    }
                  }
                },
                "responses": {
                  "200": {
                    "description": "Deployed",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/App"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "Bad request",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "413": {
                    "description": "Body too large",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "422": {
                    "description": "Not deployable",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  },
                  {
                    "name": "app",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$",
                      "maxLength": 63
                    }
                  }
                ]
              },
              "delete": {
                "operationId": "undeployApp",
                "summary": "Stop serving an application (delete permission)",
                "responses": {
                  "204": {
                    "description": "Undeployed"
                  },
                  "400": {
                    "description": "Bad request",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  },
                  {
                    "name": "app",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$",
                      "maxLength": 63
                    }
                  }
                ]
              }
            },
            "/api/v1/tenants/{tenant}/storage/quota": {
              "put": {
                "operationId": "setStorageQuota",
                "summary": "Set the tenant's storage quota in bytes (system administrators)",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/Storage"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "Bad request",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "413": {
                    "description": "Body too large",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  }
                ],
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/NewQuota"
                      }
                    }
                  }
                }
              },
              "delete": {
                "operationId": "removeStorageQuota",
                "summary": "Remove the tenant's storage quota (system administrators)",
                "responses": {
                  "204": {
                    "description": "Done"
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  }
                ]
              }
            },
            "/api/v1/tenants/{tenant}/audit": {
              "get": {
                "operationId": "listTenantAudit",
                "summary": "The tenant's audit records, newest first (owners, admins, auditors)",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/AuditPage"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "Bad request",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "tenant",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                      "maxLength": 64
                    }
                  },
                  {
                    "name": "limit",
                    "in": "query",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 1000
                    }
                  },
                  {
                    "name": "before",
                    "in": "query",
                    "schema": {
                      "type": "integer",
                      "format": "int64",
                      "minimum": 1
                    }
                  }
                ]
              }
            },
            "/api/v1/audit": {
              "get": {
                "operationId": "listAudit",
                "summary": "All audit records, newest first (system administrators)",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/AuditPage"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "Bad request",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "limit",
                    "in": "query",
                    "schema": {
                      "type": "integer",
                      "minimum": 1,
                      "maximum": 1000
                    }
                  },
                  {
                    "name": "before",
                    "in": "query",
                    "schema": {
                      "type": "integer",
                      "format": "int64",
                      "minimum": 1
                    }
                  }
                ]
              }
            },
            "/api/v1/users": {
              "get": {
                "operationId": "listUsers",
                "summary": "Local users (system administrators)",
                "responses": {
                  "200": {
                    "description": "OK",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/UserList"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                }
              },
              "post": {
                "operationId": "createUser",
                "summary": "Create a local user (system administrators)",
                "responses": {
                  "201": {
                    "description": "Created",
                    "content": {
                      "application/json": {
                        "schema": {
                          "$ref": "#/components/schemas/User"
                        }
                      }
                    }
                  },
                  "400": {
                    "description": "Bad request",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "409": {
                    "description": "Conflict",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "413": {
                    "description": "Body too large",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "requestBody": {
                  "required": true,
                  "content": {
                    "application/json": {
                      "schema": {
                        "$ref": "#/components/schemas/NewUser"
                      }
                    }
                  }
                }
              }
            },
            "/api/v1/users/{user}": {
              "delete": {
                "operationId": "deleteUser",
                "summary": "Delete a user (system administrators)",
                "responses": {
                  "204": {
                    "description": "Done"
                  },
                  "401": {
                    "description": "Not authenticated",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "403": {
                    "description": "Not allowed",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "404": {
                    "description": "Not found",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  },
                  "409": {
                    "description": "Conflict",
                    "content": {
                      "application/problem+json": {
                        "schema": {
                          "$ref": "#/components/schemas/Problem"
                        }
                      }
                    }
                  }
                },
                "parameters": [
                  {
                    "name": "user",
                    "in": "path",
                    "required": true,
                    "schema": {
                      "type": "string",
                      "pattern": "^[a-z0-9][a-z0-9._-]{0,63}$"
                    }
                  }
                ]
              }
            }
          },
          "components": {
            "schemas": {
              "Problem": {
                "type": "object",
                "properties": {
                  "type": {
                    "type": "string"
                  },
                  "title": {
                    "type": "string"
                  },
                  "status": {
                    "type": "integer"
                  },
                  "detail": {
                    "type": "string"
                  },
                  "code": {
                    "type": "string",
                    "description": "A stable, machine-readable error code (snake_case)"
                  },
                  "reason": {
                    "type": "string",
                    "description": "A finer reason where there is one: out_of_gas, budget_exhausted, storage_quota_exceeded, …"
                  }
                },
                "required": [
                  "type",
                  "title",
                  "status",
                  "detail",
                  "code"
                ],
                "additionalProperties": false
              },
              "Me": {
                "type": "object",
                "properties": {
                  "name": {
                    "type": "string"
                  },
                  "kind": {
                    "type": "string",
                    "enum": [
                      "user",
                      "robot"
                    ]
                  },
                  "systemAdmin": {
                    "type": "boolean"
                  },
                  "roles": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "string",
                      "enum": [
                        "owner",
                        "admin",
                        "maintainer",
                        "developer",
                        "reader",
                        "runner",
                        "auditor"
                      ]
                    }
                  }
                },
                "required": [
                  "name",
                  "kind",
                  "systemAdmin",
                  "roles"
                ],
                "additionalProperties": false
              },
              "Tenant": {
                "type": "object",
                "properties": {
                  "name": {
                    "type": "string"
                  },
                  "createdAt": {
                    "type": "string",
                    "format": "date-time"
                  }
                },
                "required": [
                  "name",
                  "createdAt"
                ],
                "additionalProperties": false
              },
              "TenantList": {
                "type": "object",
                "properties": {
                  "tenants": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Tenant"
                    }
                  }
                },
                "required": [
                  "tenants"
                ],
                "additionalProperties": false
              },
              "NewTenant": {
                "type": "object",
                "properties": {
                  "name": {
                    "type": "string",
                    "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*$",
                    "maxLength": 64
                  }
                },
                "required": [
                  "name"
                ],
                "additionalProperties": false
              },
              "Visibility": {
                "type": "object",
                "properties": {
                  "repository": {
                    "type": "string",
                    "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*$",
                    "maxLength": 180,
                    "description": "path below the tenant, e.g. app or models/resnet"
                  },
                  "public": {
                    "type": "boolean"
                  }
                },
                "required": [
                  "repository",
                  "public"
                ],
                "additionalProperties": false
              },
              "VisibilityResult": {
                "type": "object",
                "properties": {
                  "repository": {
                    "type": "string"
                  },
                  "public": {
                    "type": "boolean"
                  }
                },
                "required": [
                  "repository",
                  "public"
                ],
                "additionalProperties": false
              },
              "Member": {
                "type": "object",
                "properties": {
                  "user": {
                    "type": "string"
                  },
                  "role": {
                    "type": "string",
                    "enum": [
                      "owner",
                      "admin",
                      "maintainer",
                      "developer",
                      "reader",
                      "runner",
                      "auditor"
                    ]
                  }
                },
                "required": [
                  "user",
                  "role"
                ],
                "additionalProperties": false
              },
              "MemberList": {
                "type": "object",
                "properties": {
                  "members": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Member"
                    }
                  }
                },
                "required": [
                  "members"
                ],
                "additionalProperties": false
              },
              "NewRole": {
                "type": "object",
                "properties": {
                  "role": {
                    "type": "string",
                    "enum": [
                      "owner",
                      "admin",
                      "maintainer",
                      "developer",
                      "reader",
                      "runner",
                      "auditor"
                    ]
                  }
                },
                "required": [
                  "role"
                ],
                "additionalProperties": false
              },
              "Robot": {
                "type": "object",
                "properties": {
                  "name": {
                    "type": "string"
                  },
                  "username": {
                    "type": "string"
                  },
                  "role": {
                    "type": "string"
                  },
                  "createdAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "expiresAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "revokedAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "key": {
                    "type": "string",
                    "description": "the API key; only in the answer that creates the robot"
                  }
                },
                "required": [
                  "name",
                  "username",
                  "role",
                  "createdAt"
                ],
                "additionalProperties": false
              },
              "RobotList": {
                "type": "object",
                "properties": {
                  "robots": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Robot"
                    }
                  }
                },
                "required": [
                  "robots"
                ],
                "additionalProperties": false
              },
              "NewRobot": {
                "type": "object",
                "properties": {
                  "name": {
                    "type": "string",
                    "pattern": "^[a-z0-9][a-z0-9._-]{0,63}$"
                  },
                  "role": {
                    "type": "string",
                    "enum": [
                      "admin",
                      "maintainer",
                      "developer",
                      "reader",
                      "runner",
                      "auditor"
                    ]
                  },
                  "expiresInDays": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 3650
                  }
                },
                "required": [
                  "name"
                ],
                "additionalProperties": false
              },
              "Grant": {
                "type": "object",
                "properties": {
                  "user": {
                    "type": "string",
                    "pattern": "^[a-z0-9][a-z0-9._-]{0,63}$"
                  },
                  "repository": {
                    "type": "string",
                    "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*(/\\*)?$",
                    "maxLength": 180,
                    "description": "below the tenant: app, or team/* for every repository under team/"
                  },
                  "role": {
                    "type": "string",
                    "enum": [
                      "admin",
                      "maintainer",
                      "developer",
                      "reader",
                      "runner",
                      "auditor"
                    ]
                  }
                },
                "required": [
                  "user",
                  "repository",
                  "role"
                ],
                "additionalProperties": false
              },
              "GrantList": {
                "type": "object",
                "properties": {
                  "grants": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/Grant"
                    }
                  }
                },
                "required": [
                  "grants"
                ],
                "additionalProperties": false
              },
              "GasSchedule": {
                "type": "object",
                "properties": {
                  "version": {
                    "type": "string"
                  },
                  "operations": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "integer",
                      "minimum": 0
                    }
                  },
                  "ingressPerKiB": {
                    "type": "integer"
                  },
                  "egressPerKiB": {
                    "type": "integer"
                  },
                  "storagePerGiBHour": {
                    "type": "integer"
                  },
                  "wasmFuelPerGas": {
                    "type": "integer"
                  }
                },
                "required": [
                  "version",
                  "operations",
                  "ingressPerKiB",
                  "egressPerKiB",
                  "storagePerGiBHour",
                  "wasmFuelPerGas"
                ],
                "additionalProperties": false
              },
              "InvoiceLine": {
                "type": "object",
                "properties": {
                  "repository": {
                    "type": "string"
                  },
                  "operation": {
                    "type": "string"
                  },
                  "count": {
                    "type": "integer"
                  },
                  "gas": {
                    "type": "integer"
                  },
                  "amount": {
                    "type": "integer",
                    "description": "nano-credits"
                  }
                },
                "required": [
                  "operation",
                  "count",
                  "gas",
                  "amount"
                ],
                "additionalProperties": false
              },
              "Invoice": {
                "type": "object",
                "properties": {
                  "tenant": {
                    "type": "string"
                  },
                  "period": {
                    "type": "string"
                  },
                  "lines": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/InvoiceLine"
                    }
                  },
                  "totalGas": {
                    "type": "integer"
                  },
                  "totalAmount": {
                    "type": "integer"
                  },
                  "outOfGasCount": {
                    "type": "integer"
                  },
                  "budget": {
                    "type": "integer"
                  },
                  "budgetExhaustedAt": {
                    "type": "string",
                    "format": "date-time"
                  }
                },
                "required": [
                  "tenant",
                  "period",
                  "lines",
                  "totalGas",
                  "totalAmount",
                  "outOfGasCount"
                ],
                "additionalProperties": false
              },
              "NewBudget": {
                "type": "object",
                "properties": {
                  "budget": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 9223372036854775807
                  }
                },
                "required": [
                  "budget"
                ],
                "additionalProperties": false
              },
              "Budget": {
                "type": "object",
                "properties": {
                  "tenant": {
                    "type": "string"
                  },
                  "budget": {
                    "type": "integer"
                  }
                },
                "required": [
                  "tenant",
                  "budget"
                ],
                "additionalProperties": false
              },
              "NewMaxPrice": {
                "type": "object",
                "properties": {
                  "maxPrice": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 9223372036854775807
                  }
                },
                "required": [
                  "maxPrice"
                ],
                "additionalProperties": false
              },
              "MaxPrice": {
                "type": "object",
                "properties": {
                  "tenant": {
                    "type": "string"
                  },
                  "maxPrice": {
                    "type": "integer"
                  }
                },
                "required": [
                  "tenant",
                  "maxPrice"
                ],
                "additionalProperties": false
              },
              "PricePoint": {
                "type": "object",
                "properties": {
                  "time": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "baseFee": {
                    "type": "integer"
                  },
                  "gasUsed": {
                    "type": "integer"
                  }
                },
                "required": [
                  "time",
                  "baseFee",
                  "gasUsed"
                ],
                "additionalProperties": false
              },
              "PriceHistory": {
                "type": "object",
                "properties": {
                  "current": {
                    "type": "integer"
                  },
                  "history": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/PricePoint"
                    }
                  }
                },
                "required": [
                  "current",
                  "history"
                ],
                "additionalProperties": false
              },
              "NewQuota": {
                "type": "object",
                "properties": {
                  "quota": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 9223372036854775807
                  }
                },
                "required": [
                  "quota"
                ],
                "additionalProperties": false
              },
              "Storage": {
                "type": "object",
                "properties": {
                  "tenant": {
                    "type": "string"
                  },
                  "used": {
                    "type": "integer"
                  },
                  "quota": {
                    "type": "integer"
                  }
                },
                "required": [
                  "tenant",
                  "used"
                ],
                "additionalProperties": false
              },
              "AuditRecord": {
                "type": "object",
                "properties": {
                  "id": {
                    "type": "integer",
                    "format": "int64"
                  },
                  "time": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "requestId": {
                    "type": "string"
                  },
                  "principal": {
                    "type": "string"
                  },
                  "tenant": {
                    "type": "string"
                  },
                  "action": {
                    "type": "string"
                  },
                  "resource": {
                    "type": "string"
                  },
                  "allowed": {
                    "type": "boolean"
                  },
                  "reason": {
                    "type": "string"
                  }
                },
                "required": [
                  "id",
                  "time",
                  "requestId",
                  "principal",
                  "action",
                  "resource",
                  "allowed",
                  "reason"
                ],
                "additionalProperties": false
              },
              "AuditPage": {
                "type": "object",
                "properties": {
                  "records": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/AuditRecord"
                    }
                  },
                  "next": {
                    "type": "integer",
                    "format": "int64",
                    "description": "pass as before for the next page"
                  }
                },
                "required": [
                  "records"
                ],
                "additionalProperties": false
              },
              "User": {
                "type": "object",
                "properties": {
                  "name": {
                    "type": "string"
                  },
                  "systemAdmin": {
                    "type": "boolean"
                  },
                  "createdAt": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "roles": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "string"
                    }
                  }
                },
                "required": [
                  "name",
                  "systemAdmin",
                  "createdAt",
                  "roles"
                ],
                "additionalProperties": false
              },
              "UserList": {
                "type": "object",
                "properties": {
                  "users": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/User"
                    }
                  }
                },
                "required": [
                  "users"
                ],
                "additionalProperties": false
              },
              "NewUser": {
                "type": "object",
                "properties": {
                  "name": {
                    "type": "string",
                    "pattern": "^[a-z0-9][a-z0-9._-]{0,63}$"
                  },
                  "password": {
                    "type": "string",
                    "minLength": 12
                  },
                  "systemAdmin": {
                    "type": "boolean"
                  }
                },
                "required": [
                  "name",
                  "password"
                ],
                "additionalProperties": false
              },
              "StorageHints": {
                "type": "object",
                "properties": {
                  "tenant": {
                    "type": "string"
                  },
                  "storedBytes": {
                    "type": "integer"
                  },
                  "untaggedManifests": {
                    "type": "integer"
                  },
                  "untaggedManifestBytes": {
                    "type": "integer"
                  },
                  "reclaimableBlobs": {
                    "type": "integer"
                  },
                  "reclaimableBytes": {
                    "type": "integer"
                  },
                  "unreferencedBytes": {
                    "type": "integer"
                  },
                  "storageGasPerMonth": {
                    "type": "integer"
                  },
                  "oldestUntagged": {
                    "type": "array",
                    "items": {
                      "type": "object",
                      "properties": {
                        "repository": {
                          "type": "string"
                        },
                        "digest": {
                          "type": "string"
                        },
                        "size": {
                          "type": "integer"
                        },
                        "createdAt": {
                          "type": "string",
                          "format": "date-time"
                        }
                      },
                      "required": [
                        "repository",
                        "digest",
                        "size",
                        "createdAt"
                      ],
                      "additionalProperties": false
                    }
                  },
                  "hints": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  }
                },
                "required": [
                  "tenant",
                  "storedBytes",
                  "untaggedManifests",
                  "untaggedManifestBytes",
                  "reclaimableBlobs",
                  "reclaimableBytes",
                  "unreferencedBytes",
                  "storageGasPerMonth",
                  "oldestUntagged",
                  "hints"
                ],
                "additionalProperties": false
              },
              "NewRun": {
                "type": "object",
                "properties": {
                  "reference": {
                    "type": "string",
                    "maxLength": 255,
                    "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)+(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[a-f0-9]{64}|@sha512:[a-f0-9]{128})?$",
                    "description": "<tenant>/<repository>[:<tag>|@<digest>] in this tenant (no tag means latest)"
                  },
                  "component": {
                    "type": "string",
                    "description": "Spin component (apps with several)"
                  },
                  "args": {
                    "type": "array",
                    "items": {
                      "type": "string"
                    }
                  },
                  "env": {
                    "type": "object",
                    "additionalProperties": {
                      "type": "string"
                    }
                  },
                  "stdin": {
                    "type": "string",
                    "contentEncoding": "base64",
                    "pattern": "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
                  },
                  "gasLimit": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 1000000000,
                    "format": "int64",
                    "description": "At most gas.max_limit (default 1000000000)"
                  }
                },
                "required": [
                  "reference"
                ],
                "additionalProperties": false
              },
              "Run": {
                "type": "object",
                "properties": {
                  "status": {
                    "type": "string",
                    "enum": [
                      "exit",
                      "out_of_gas",
                      "memory_limit",
                      "stack_exhausted",
                      "trap",
                      "timeout"
                    ]
                  },
                  "exitCode": {
                    "type": "integer"
                  },
                  "message": {
                    "type": "string"
                  },
                  "stdout": {
                    "type": "string",
                    "contentEncoding": "base64"
                  },
                  "stderr": {
                    "type": "string",
                    "contentEncoding": "base64"
                  },
                  "stdoutTruncated": {
                    "type": "boolean"
                  },
                  "stderrTruncated": {
                    "type": "boolean"
                  },
                  "gasUsed": {
                    "type": "integer"
                  },
                  "fuelUsed": {
                    "type": "integer"
                  },
                  "durationMs": {
                    "type": "number"
                  },
                  "digest": {
                    "type": "string"
                  },
                  "component": {
                    "type": "string"
                  }
                },
                "required": [
                  "status",
                  "stdout",
                  "stderr",
                  "stdoutTruncated",
                  "stderrTruncated",
                  "gasUsed",
                  "fuelUsed",
                  "durationMs",
                  "digest"
                ],
                "additionalProperties": false
              },
              "RunRecord": {
                "type": "object",
                "properties": {
                  "id": {
                    "type": "integer",
                    "format": "int64"
                  },
                  "time": {
                    "type": "string",
                    "format": "date-time"
                  },
                  "principal": {
                    "type": "string"
                  },
                  "repository": {
                    "type": "string"
                  },
                  "digest": {
                    "type": "string"
                  },
                  "component": {
                    "type": "string"
                  },
                  "trigger": {
                    "type": "string",
                    "enum": [
                      "api",
                      "wagi"
                    ]
                  },
                  "status": {
                    "type": "string"
                  },
                  "exitCode": {
                    "type": "integer"
                  },
                  "gasUsed": {
                    "type": "integer"
                  },
                  "fuelUsed": {
                    "type": "integer"
                  },
                  "durationMs": {
                    "type": "number"
                  }
                },
                "required": [
                  "id",
                  "time",
                  "principal",
                  "repository",
                  "digest",
                  "trigger",
                  "status",
                  "gasUsed",
                  "fuelUsed",
                  "durationMs"
                ],
                "additionalProperties": false
              },
              "RunList": {
                "type": "object",
                "properties": {
                  "runs": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/RunRecord"
                    }
                  }
                },
                "required": [
                  "runs"
                ],
                "additionalProperties": false
              },
              "NewApp": {
                "type": "object",
                "properties": {
                  "reference": {
                    "type": "string",
                    "maxLength": 255,
                    "pattern": "^[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)+(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[a-f0-9]{64}|@sha512:[a-f0-9]{128})?$",
                    "description": "<tenant>/<repository>[:<tag>|@<digest>]; pinned to its digest"
                  },
                  "public": {
                    "type": "boolean",
                    "description": "Anyone may call it (the tenant pays)"
                  }
                },
                "required": [
                  "reference"
                ],
                "additionalProperties": false
              },
              "App": {
                "type": "object",
                "properties": {
                  "name": {
                    "type": "string"
                  },
                  "repository": {
                    "type": "string"
                  },
                  "digest": {
                    "type": "string"
                  },
                  "public": {
                    "type": "boolean"
                  },
                  "deployedBy": {
                    "type": "string"
                  },
                  "deployedAt": {
                    "type": "string",
                    "format": "date-time"
                  }
                },
                "required": [
                  "name",
                  "repository",
                  "digest",
                  "public",
                  "deployedBy",
                  "deployedAt"
                ],
                "additionalProperties": false
              },
              "AppList": {
                "type": "object",
                "properties": {
                  "apps": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/App"
                    }
                  }
                },
                "required": [
                  "apps"
                ],
                "additionalProperties": false
              }
            },
            "securitySchemes": {
              "basic": {
                "type": "http",
                "scheme": "basic"
              },
              "bearer": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT"
              }
            }
          }
        }
        """#
}
