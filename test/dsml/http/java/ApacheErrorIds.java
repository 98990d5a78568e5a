// Prints the message id the Apache Directory LDAP API's Dsmlv2ResponseParser
// gives each errorResponse of a batchResponse (its parser keeps an error's
// requestID as the message id, not in ErrorResponse.getRequestID()), so the
// test can check that clients built on it can match errors to requests.
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.apache.directory.api.dsmlv2.DsmlDecorator;
import org.apache.directory.api.dsmlv2.Dsmlv2ResponseParser;
import org.apache.directory.api.dsmlv2.response.ErrorResponse;
import org.apache.directory.api.ldap.codec.api.LdapApiServiceFactory;
import org.apache.directory.api.ldap.model.message.Response;

public class ApacheErrorIds {
  public static void main(String[] args) throws Exception {
    Dsmlv2ResponseParser parser = new Dsmlv2ResponseParser(LdapApiServiceFactory.getSingleton());
    parser.setInput(new String(Files.readAllBytes(Paths.get(args[0])), StandardCharsets.UTF_8));
    parser.parse();
    for (DsmlDecorator<? extends Response> d : parser.getBatchResponse().getResponses()) {
      Response r = d.getDecorated();
      if (r instanceof ErrorResponse) {
        ErrorResponse e = (ErrorResponse) r;
        System.out.println("error messageId=" + e.getMessageId() + " type=" + e.getTypeDescr(e.getErrorType()));
      }
    }
  }
}
