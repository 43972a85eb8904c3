import Foundation
import FoundationXML
import NIOCore

/// An element of one of S3's (small, namespace-free in practice) XML answers, parsed whole.
struct S3XMLElement: Sendable, Hashable {
    var name: String
    var text: String
    var children: [S3XMLElement]

    /// The first child named `name`.
    func child(_ name: String) -> S3XMLElement? { children.first { $0.name == name } }

    /// Every child named `name`, in order.
    func children(_ name: String) -> [S3XMLElement] { children.filter { $0.name == name } }

    /// The text of the first child named `name`.
    func value(_ name: String) -> String? { child(name)?.text }

    /// Parses a document and returns its root element.
    /// - Throws: `malformedResponse` when the bytes are not well-formed XML.
    static func parse(_ buffer: ByteBuffer) throws -> S3XMLElement {
        let parser = XMLParser(data: Data(buffer.readableBytesView))
        let builder = Builder()
        parser.delegate = builder
        parser.shouldResolveExternalEntities = false
        guard parser.parse(), let root = builder.root else {
            let reason = parser.parserError.map { "\($0)" } ?? "no root element"
            throw S3Error(.malformedResponse, "S3 answered XML that does not parse: \(reason)")
        }
        return root
    }

    /// Builds the tree from parser events; lives only inside `parse`, on one thread.
    private final class Builder: NSObject, XMLParserDelegate {
        var stack: [S3XMLElement] = []
        var root: S3XMLElement?

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            stack.append(S3XMLElement(name: elementName, text: "", children: []))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            guard let element = stack.popLast() else { return }
            if stack.isEmpty {
                root = element
            } else {
                stack[stack.count - 1].children.append(element)
            }
        }
    }
}
